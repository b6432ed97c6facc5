using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Api;

/// <summary>
/// One REST resource the cluster serves (for example <c>batch/v1 jobs</c>): what the discovery documents list and what the
/// store keys objects by. Several versions of one custom resource share a <see cref="StorageKey"/> (conversion is "None").
/// </summary>
public sealed record ResourceType
{
    /// <summary>The API group; empty for the core group (<c>v1</c>).</summary>
    public required string Group { get; init; }

    /// <summary>The version, for example <c>v1</c> or <c>v1beta1</c>.</summary>
    public required string Version { get; init; }

    /// <summary>The kind, for example <c>Pod</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The plural resource name used in URLs, for example <c>pods</c>.</summary>
    public required string Plural { get; init; }

    /// <summary>The singular name, for example <c>pod</c>.</summary>
    public required string Singular { get; init; }

    /// <summary>The kind of the list, for example <c>PodList</c>.</summary>
    public string ListKind => Kind + "List";

    /// <summary>Whether objects live in a namespace.</summary>
    public required bool Namespaced { get; init; }

    /// <summary>Whether the resource has a <c>/status</c> subresource (writes to the main resource then keep status).</summary>
    public bool HasStatusSubresource { get; init; }

    /// <summary>Whether <c>metadata.generation</c> is set and bumped on spec changes.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>Whether this is a custom resource (served from a CustomResourceDefinition).</summary>
    public bool IsCustomResource { get; init; }

    /// <summary>Short names (<c>isvc</c>) that kubectl accepts.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Categories (<c>all</c>, <c>kubeflow</c>).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>The structural schema objects are validated and pruned against; null when the type is not schema-checked.</summary>
    public StructuralSchema? Schema { get; init; }

    /// <summary>The printer columns of a custom resource version (name, type, jsonPath) for <c>kubectl get</c> tables.</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

    /// <summary>Fields that list and watch accept in <c>fieldSelector</c> besides <c>metadata.name</c> and <c>metadata.namespace</c>.</summary>
    public IReadOnlyList<string> SelectableFields { get; init; } = [];

    /// <summary>Subresources besides <c>status</c>, for example <c>log</c> for pods.</summary>
    public IReadOnlyList<string> ExtraSubresources { get; init; } = [];

    /// <summary>The <c>apiVersion</c> of objects of this type (<c>v1</c> or <c>group/version</c>).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The key the store files objects of this type under: the group and plural, the same for every version.</summary>
    public string StorageKey => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The group-qualified kind as error messages name it (<c>TFJob.kubeflow.org</c>, or <c>Pod</c>).</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>The group-qualified resource as error messages name it (<c>tfjobs.kubeflow.org</c>, or <c>pods</c>).</summary>
    public string QualifiedResource => StorageKey;

    /// <inheritdoc />
    public override string ToString() => $"{ApiVersion} {Kind}";
}
