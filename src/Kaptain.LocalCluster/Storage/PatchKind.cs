namespace Kaptain.LocalCluster.Storage;

/// <summary>The patch formats of <c>PATCH</c>, by content type.</summary>
public enum PatchKind
{
    /// <summary><c>application/merge-patch+json</c> (RFC 7386).</summary>
    Merge,

    /// <summary><c>application/json-patch+json</c> (RFC 6902).</summary>
    Json,

    /// <summary><c>application/strategic-merge-patch+json</c> (built-in kinds only; 415 for custom resources).</summary>
    StrategicMerge,

    /// <summary><c>application/apply-patch+yaml</c> (server-side apply; creates the object when it does not exist).</summary>
    Apply,
}
