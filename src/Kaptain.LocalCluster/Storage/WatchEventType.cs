namespace Kaptain.LocalCluster.Storage;

/// <summary>The <c>type</c> of a watch event, as it appears on the wire (upper case).</summary>
public enum WatchEventType
{
    /// <summary>ADDED.</summary>
    Added,

    /// <summary>MODIFIED.</summary>
    Modified,

    /// <summary>DELETED.</summary>
    Deleted,

    /// <summary>BOOKMARK: only <c>metadata.resourceVersion</c> of the object is meaningful.</summary>
    Bookmark,

    /// <summary>ERROR: the object is a <c>Status</c> (410 Expired for a too old resourceVersion); the watch ends.</summary>
    Error,
}
