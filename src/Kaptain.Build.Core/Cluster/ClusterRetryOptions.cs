namespace Kaptain.Build.Cluster;

/// <summary>How transient API faults are retried: exponential backoff with jitter, bounded attempts.</summary>
public sealed record ClusterRetryOptions
{
    /// <summary>Retries after the first attempt; 6 by default (about 13 s of backoff in total at the defaults).</summary>
    public int MaxRetryAttempts { get; init; } = 6;

    /// <summary>The first backoff delay; later ones grow exponentially with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>No single backoff is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A server's <c>Retry-After</c> is honoured up to this long.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);
}
