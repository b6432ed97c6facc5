using Xunit;
using System.Net;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class ClusterResilienceTests
{
    private static ClusterResilience Fast(int attempts = 4) =>
        new(new ClusterRetryOptions { MaxRetryAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) });

    [Fact]
    public async Task Transient_faults_are_retried_and_counted()
    {
        var resilience = Fast();
        var calls = 0;

        var result = await resilience.ExecuteAsync(
            _ =>
            {
                calls++;
                return calls switch
                {
                    1 => throw TransientFaultsTests.Answer(HttpStatusCode.ServiceUnavailable),
                    2 => throw new HttpRequestException("Connection reset by peer"),
                    _ => Task.FromResult("ok"),
                };
            },
            TestContext.Current.CancellationToken);

        Assert.Equal("ok", result);
        Assert.Equal(3, calls);
        Assert.Equal(2, resilience.RetryCount);
    }

    [Fact]
    public async Task An_answer_is_not_retried()
    {
        var resilience = Fast();
        var calls = 0;

        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => resilience.ExecuteAsync<string>(
            _ =>
            {
                calls++;
                throw TransientFaultsTests.Answer(HttpStatusCode.Forbidden);
            },
            TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
        Assert.Equal(0, resilience.RetryCount);
    }

    [Fact]
    public async Task Attempts_are_bounded()
    {
        var resilience = Fast(attempts: 3);
        var calls = 0;

        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => resilience.ExecuteAsync<string>(
            _ =>
            {
                calls++;
                throw TransientFaultsTests.Answer(HttpStatusCode.InternalServerError);
            },
            TestContext.Current.CancellationToken));

        Assert.Equal(4, calls);
        Assert.Equal(3, resilience.RetryCount);
    }

    [Fact]
    public async Task Retry_After_decides_the_delay_within_the_cap()
    {
        // Polly waits on the injected clock; the test advances it and sees the second attempt only after 2 s.
        var clock = new ManualTimeProvider();
        var resilience = new ClusterResilience(
            new ClusterRetryOptions { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryAfter = TimeSpan.FromSeconds(2) },
            clock);
        var calls = 0;

        var run = resilience.ExecuteAsync(
            _ =>
            {
                calls++;
                return calls == 1
                    ? throw TransientFaultsTests.Answer(HttpStatusCode.TooManyRequests, "60")
                    : Task.FromResult(calls);
            },
            TestContext.Current.CancellationToken);

        await clock.WaitForTimerAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(1, calls);
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(2, await run);
    }

    [Fact]
    public async Task The_callers_cancellation_stops_retrying()
    {
        var resilience = Fast(attempts: 1000);
        using var cancellation = new CancellationTokenSource();
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resilience.ExecuteAsync<string>(
            _ =>
            {
                if (++calls == 3)
                {
                    cancellation.Cancel();
                }

                throw new IOException("cut");
            },
            cancellation.Token));

        Assert.Equal(3, calls);
        Assert.Equal(2, resilience.RetryCount);
    }
}
