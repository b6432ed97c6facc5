using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Removes the model's InferenceService and what the publish step left with it. Used by the <c>KaptainUndeploy</c>
/// target; the removed resources are in <c>RemovedResources</c>.
/// </summary>
public sealed partial class KaptainUndeploy
{
    /// <summary>The InferenceService's name (the model's name).</summary>
    [Output]
    public string InferenceServiceName { get; private set; } = string.Empty;

    /// <summary>Whether there was an InferenceService to remove.</summary>
    [Output]
    public bool Found { get; private set; }
}
