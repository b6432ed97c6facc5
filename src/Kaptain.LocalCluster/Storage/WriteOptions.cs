namespace Kaptain.LocalCluster.Storage;

/// <summary>Options of a create, update or patch.</summary>
public sealed record WriteOptions
{
    /// <summary>Default options: a real write, unknown fields pruned with a warning.</summary>
    public static WriteOptions Default { get; } = new();

    /// <summary><c>dryRun=All</c>: validate and return the result, store nothing, send no watch event.</summary>
    public bool DryRun { get; init; }

    /// <summary><c>fieldValidation</c>: <c>Strict</c> rejects unknown fields (400), <c>Warn</c> (default) and <c>Ignore</c> prune them.</summary>
    public string? FieldValidation { get; init; }

    /// <summary><c>fieldManager</c>: the manager the write's fields are recorded under in <c>managedFields</c> (none: ownership unchanged).</summary>
    public string? FieldManager { get; init; }

    /// <summary><c>force</c> of a server-side apply.</summary>
    public bool Force { get; init; }

    /// <summary>A server-side apply: the managedFields come from the apply, not from an Update operation.</summary>
    internal bool IsApply { get; init; }

    /// <summary>The configuration of an apply that creates the object (its fields are the applier's).</summary>
    internal System.Text.Json.Nodes.JsonObject? AppliedConfiguration { get; init; }

    /// <summary>Receives the warnings the HTTP layer sends as <c>Warning</c> headers (pruned unknown fields...), if given.</summary>
    public IList<string>? Warnings { get; init; }
}
