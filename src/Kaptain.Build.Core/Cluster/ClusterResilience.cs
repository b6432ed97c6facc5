using Polly;
using Polly.Retry;

namespace Kaptain.Build.Cluster;

/// <summary>
/// The retry pipeline for idempotent API calls, and the count of retries it made (the reliability benchmark reports
/// it). One instance per build, shared by every client that talks to the cluster.
/// </summary>
public sealed class ClusterResilience
{
    private readonly ResiliencePipeline pipeline;
    private int retryCount;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="options">Attempts and delays; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock Polly waits on; the system clock when <see langword="null"/>.</param>
    public ClusterResilience(ClusterRetryOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new ClusterRetryOptions();
        var clock = timeProvider ?? TimeProvider.System;
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = Options.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = Options.BaseDelay,
            MaxDelay = Options.MaxDelay,
            ShouldHandle = args => ValueTask.FromResult(
                !args.Context.CancellationToken.IsCancellationRequested
                && args.Outcome.Exception is { } exception
                && TransientFaults.IsTransient(exception, args.Context.CancellationToken)),
            DelayGenerator = args =>
            {
                var retryAfter = args.Outcome.Exception is { } exception
                    ? TransientFaults.RetryAfter(exception, clock.GetUtcNow())
                    : null;
                return ValueTask.FromResult(
                    retryAfter is { } delay ? (TimeSpan?)(delay > Options.MaxRetryAfter ? Options.MaxRetryAfter : delay) : null);
            },
            OnRetry = _ =>
            {
                Interlocked.Increment(ref retryCount);
                return ValueTask.CompletedTask;
            },
        });
        pipeline = builder.Build();
    }

    /// <summary>The options in force.</summary>
    public ClusterRetryOptions Options { get; }

    /// <summary>How many times a call was retried or a watch or log stream was resumed, since this instance was made.</summary>
    public int RetryCount => Volatile.Read(ref retryCount);

    /// <summary>Runs an idempotent call, retrying transient faults.</summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (state, token) => await state(token).ConfigureAwait(false),
                call,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // The caller cancelled while an attempt failed: that is a cancellation, not an API failure to report.
            throw new OperationCanceledException("The call was cancelled.", exception, cancellationToken);
        }
    }

    /// <summary>Counts a resumption that happened outside the pipeline (a dropped watch or log stream).</summary>
    internal void CountResume() => Interlocked.Increment(ref retryCount);

    /// <summary>The backoff before resuming a stream for the <paramref name="attempt"/>-th time in a row (1-based).</summary>
    internal TimeSpan ResumeDelay(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 10);
        var delay = Options.BaseDelay * Math.Pow(2, exponent) * (0.5 + Random.Shared.NextDouble() / 2);
        return delay > Options.MaxDelay ? Options.MaxDelay : delay;
    }
}
