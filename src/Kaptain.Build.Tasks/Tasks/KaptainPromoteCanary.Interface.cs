using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Promotes the canary of the model's InferenceService (published with <c>KaptainCanaryTrafficPercent</c>): KServe gives its latest revision all the traffic. Serverless only. Used by the <c>KaptainPromoteCanary</c> target.
/// </summary>
public sealed partial class KaptainPromoteCanary
{
    /// <summary>The InferenceService's name (the model's name).</summary>
    [Output]
    public string InferenceServiceName { get; private set; } = string.Empty;

    /// <summary>The URL the model is served at.</summary>
    [Output]
    public string Url { get; private set; } = string.Empty;

    /// <summary>The revision that now has all the traffic (the canary).</summary>
    [Output]
    public string Revision { get; private set; } = string.Empty;

    /// <summary>The revision that had the rest of the traffic before, when there was one.</summary>
    [Output]
    public string PreviousRevision { get; private set; } = string.Empty;
}
