using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Faults;

/// <summary>
/// Decides, per HTTP request, which fault (if any) to inject, and counts what it injected so tests can compare what a
/// client observed with what the server did. The options can be changed at runtime (<c>PUT /localcluster/faults</c>).
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private Random _random;
    private long _requests;
    private long _internalErrors;
    private long _tooManyRequests;
    private long _droppedConnections;
    private long _droppedWatches;
    private long _delayedRequests;

    /// <summary>Creates an injector with <paramref name="options"/>; a <paramref name="seed"/> makes it repeatable.</summary>
    public FaultInjector(FaultOptions? options = null, int? seed = null)
    {
        Options = options ?? FaultOptions.None;
        _random = seed is int s ? new Random(s) : new Random();
    }

    /// <summary>The faults currently injected.</summary>
    public FaultOptions Options { get; set; }

    /// <summary>Reseeds the random source.</summary>
    public void Reseed(int seed)
    {
        lock (_lock) _random = new Random(seed);
    }

    /// <summary>Picks the fault for one request.</summary>
    public InjectedFault Next(bool isWatch)
    {
        var options = Options;
        lock (_lock)
        {
            _requests++;
            if (Roll(options.DropConnectionRate)) { _droppedConnections++; return InjectedFault.DropConnection; }
            if (Roll(options.InternalErrorRate)) { _internalErrors++; return InjectedFault.InternalError; }
            if (Roll(options.TooManyRequestsRate)) { _tooManyRequests++; return InjectedFault.TooManyRequests; }
            if (isWatch && Roll(options.WatchDropRate)) { _droppedWatches++; return InjectedFault.DropWatch; }
            return InjectedFault.None;
        }
    }

    /// <summary>The latency to add to one request: <see cref="FaultOptions.Latency"/> at <see cref="FaultOptions.LatencyRate"/>, else none.</summary>
    public TimeSpan NextLatency()
    {
        var options = Options;
        if (options.Latency <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        lock (_lock)
        {
            if (!Roll(options.LatencyRate))
            {
                return TimeSpan.Zero;
            }

            _delayedRequests++;
            return options.Latency;
        }
    }

    /// <summary>A random delay up to <see cref="FaultOptions.WatchDropAfter"/> after which a dropped watch ends.</summary>
    public TimeSpan WatchLifetime()
    {
        lock (_lock) return TimeSpan.FromMilliseconds(_random.NextDouble() * Options.WatchDropAfter.TotalMilliseconds);
    }

    /// <summary>The options and counters as JSON (what <c>GET /localcluster/faults</c> returns).</summary>
    public JsonObject ToJson()
    {
        var o = Options;
        lock (_lock)
        {
            return new JsonObject
            {
                ["internalErrorRate"] = o.InternalErrorRate,
                ["tooManyRequestsRate"] = o.TooManyRequestsRate,
                ["retryAfterSeconds"] = o.RetryAfterSeconds,
                ["dropConnectionRate"] = o.DropConnectionRate,
                ["watchDropRate"] = o.WatchDropRate,
                ["watchDropAfterMilliseconds"] = o.WatchDropAfter.TotalMilliseconds,
                ["latencyMilliseconds"] = o.Latency.TotalMilliseconds,
                ["latencyRate"] = o.LatencyRate,
                ["counters"] = new JsonObject
                {
                    ["requests"] = _requests,
                    ["internalErrors"] = _internalErrors,
                    ["tooManyRequests"] = _tooManyRequests,
                    ["droppedConnections"] = _droppedConnections,
                    ["droppedWatches"] = _droppedWatches,
                    ["delayedRequests"] = _delayedRequests,
                },
            };
        }
    }

    /// <summary>Reads options from the JSON <c>PUT /localcluster/faults</c> accepts (the fields of <see cref="ToJson"/>; absent ones stay).</summary>
    public static FaultOptions FromJson(JsonObject json, FaultOptions current) => current with
    {
        InternalErrorRate = json["internalErrorRate"]?.GetValue<double>() ?? current.InternalErrorRate,
        TooManyRequestsRate = json["tooManyRequestsRate"]?.GetValue<double>() ?? current.TooManyRequestsRate,
        RetryAfterSeconds = json["retryAfterSeconds"]?.GetValue<int>() ?? current.RetryAfterSeconds,
        DropConnectionRate = json["dropConnectionRate"]?.GetValue<double>() ?? current.DropConnectionRate,
        WatchDropRate = json["watchDropRate"]?.GetValue<double>() ?? current.WatchDropRate,
        WatchDropAfter = json["watchDropAfterMilliseconds"] is { } w ? TimeSpan.FromMilliseconds(w.GetValue<double>()) : current.WatchDropAfter,
        Latency = json["latencyMilliseconds"] is { } l ? TimeSpan.FromMilliseconds(l.GetValue<double>()) : current.Latency,
        LatencyRate = json["latencyRate"]?.GetValue<double>() ?? current.LatencyRate,
    };

    private bool Roll(double rate) => rate > 0 && _random.NextDouble() < rate;
}
