using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Renders the resources of every lifecycle step (build the image, train, tune, publish) as YAML files, one per step,
/// without a cluster and without credentials; Secret data is redacted. A file whose content did not change is not
/// rewritten. Used by the <c>KaptainRender</c> target.
/// </summary>
public sealed partial class KaptainRender
{
    /// <summary>The model project file; the model's relative paths are resolved against its directory, and
    /// diagnostics point at it.</summary>
    [Required]
    public string ProjectFile { get; set; } = string.Empty;

    /// <summary>The model's properties: <c>Include</c> is the MSBuild property name, metadata <c>Value</c> its value
    /// (empty means the default). The targets pass one item per name in the core's <c>ModelProperties.All</c>.</summary>
    public ITaskItem[] ModelProperties { get; set; } = [];

    /// <summary>The model's items, each with metadata <c>KaptainItemType</c> naming its item type
    /// (<c>KaptainFile</c>, <c>KaptainHyperparameter</c>, ...).</summary>
    public ITaskItem[] ModelItems { get; set; } = [];

    /// <summary>The directory the manifests are written to (by default <c>obj/kaptain/manifests/</c>).</summary>
    [Required]
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>Every manifest file of the model, one per step, with metadata <c>Step</c> (the step's label value).</summary>
    [Output]
    public ITaskItem[] ManifestFiles { get; private set; } = [];

    /// <summary>The manifest files this run wrote because their content changed (a subset of <see cref="ManifestFiles"/>).</summary>
    [Output]
    public ITaskItem[] WrittenFiles { get; private set; } = [];
}
