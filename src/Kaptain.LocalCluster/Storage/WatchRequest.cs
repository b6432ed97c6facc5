namespace Kaptain.LocalCluster.Storage;

/// <summary>What a watch asks for.</summary>
public sealed record WatchRequest
{
    /// <summary>
    /// Where to start. Null or <c>"0"</c>: synthetic ADDED events for every current object, then changes (the real server's
    /// "get state and start at most recent"). A version: every change after it, or one ERROR event (410 Expired) when it is
    /// older than the retained history.
    /// </summary>
    public string? ResourceVersion { get; init; }

    /// <summary>The label selector text, or null.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>The field selector text, or null.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Whether to send BOOKMARK events while the watch is idle (<c>allowWatchBookmarks</c>).</summary>
    public bool AllowBookmarks { get; init; }
}
