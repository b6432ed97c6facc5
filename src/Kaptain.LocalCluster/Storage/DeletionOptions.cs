namespace Kaptain.LocalCluster.Storage;

/// <summary>Options of a delete (the API's <c>DeleteOptions</c>).</summary>
public sealed record DeletionOptions
{
    /// <summary>Default options.</summary>
    public static DeletionOptions Default { get; } = new();

    /// <summary>The propagation policy; null means the type's default (Orphan for batch/v1 Jobs, Background otherwise).</summary>
    public PropagationPolicy? PropagationPolicy { get; init; }

    /// <summary><c>dryRun=All</c>.</summary>
    public bool DryRun { get; init; }

    /// <summary><c>preconditions.uid</c>: 409 when the object's uid differs.</summary>
    public string? PreconditionUid { get; init; }

    /// <summary><c>preconditions.resourceVersion</c>: 409 when the object's resourceVersion differs.</summary>
    public string? PreconditionResourceVersion { get; init; }

    /// <summary><c>orphanDependents=false</c> given explicitly (then a deletion that is still pending answers 202).</summary>
    public bool OrphanDependentsFalse { get; init; }

    /// <summary>Receives warnings for the <c>Warning</c> header, if given.</summary>
    public IList<string>? Warnings { get; init; }
}
