namespace Kaptain.LocalCluster.Faults;

/// <summary>
/// Faults injected into HTTP API requests for reliability tests. Rates are probabilities per request (0 to 1).
/// In-process controllers use the store directly and never see faults.
/// </summary>
public sealed record FaultOptions
{
    /// <summary>No faults.</summary>
    public static FaultOptions None { get; } = new();

    /// <summary>Rate of 500 InternalError responses.</summary>
    public double InternalErrorRate { get; init; }

    /// <summary>Rate of 429 TooManyRequests responses (with <c>Retry-After</c>).</summary>
    public double TooManyRequestsRate { get; init; }

    /// <summary>The <c>Retry-After</c> seconds of injected 429s.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Rate of connections dropped without a response.</summary>
    public double DropConnectionRate { get; init; }

    /// <summary>Rate of watches that are cut (the stream ends) after a random time up to <see cref="WatchDropAfter"/>.</summary>
    public double WatchDropRate { get; init; }

    /// <summary>The longest a dropped watch lives.</summary>
    public TimeSpan WatchDropAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Latency added to a request that <see cref="LatencyRate"/> picks.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Rate of requests that get <see cref="Latency"/> added; 1 (every request) by default.</summary>
    public double LatencyRate { get; init; } = 1;

    /// <summary>
    /// Resources (plurals, such as <c>serviceaccounts</c>) whose list and watch answer 403 Forbidden as kube-apiserver
    /// answers a Role without <c>list</c>: <c>serviceaccounts is forbidden: User "…" cannot list resource
    /// "serviceaccounts" in API group "" in the namespace "…"</c>. A get by name is still allowed.
    /// </summary>
    public IReadOnlySet<string> ForbiddenLists { get; init; } = new HashSet<string>();

    /// <summary>Whether any fault is configured.</summary>
    public bool Any => InternalErrorRate > 0 || TooManyRequestsRate > 0 || DropConnectionRate > 0 || WatchDropRate > 0 || Latency > TimeSpan.Zero || ForbiddenLists.Count > 0;
}
