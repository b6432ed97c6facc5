namespace Kaptain.LocalCluster.Storage;

/// <summary>Tuning of the in-memory store.</summary>
public sealed record ObjectStoreOptions
{
    /// <summary>
    /// How many change events the store keeps for watches that resume from a resourceVersion. A watch from a version
    /// older than the oldest retained event gets 410 Expired, as from the real server's watch cache.
    /// </summary>
    public int WatchHistoryLimit { get; init; } = 10_000;

    /// <summary>How often an idle watch that allows bookmarks gets a BOOKMARK (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);
}
