namespace Kaptain.Build.Cluster;

/// <summary>What happened to a watched resource.</summary>
public enum ResourceEventType
{
    /// <summary>The resource appeared, or was present when the watch (re)listed.</summary>
    Added,

    /// <summary>The resource changed.</summary>
    Modified,

    /// <summary>The resource is gone.</summary>
    Deleted,

    /// <summary>
    /// A (re)list is complete: every resource present has been reported, so one not reported does not exist.
    /// Its <see cref="ResourceEvent.Resource"/> is an empty object.
    /// </summary>
    Synced,
}
