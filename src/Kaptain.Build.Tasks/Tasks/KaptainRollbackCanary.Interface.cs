using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Rolls back the canary of the model's InferenceService: KServe sends all the traffic back to the revision rolled out before the canary (<c>canaryTrafficPercent: 0</c>). Serverless only. Used by the <c>KaptainRollbackCanary</c> target.
/// </summary>
public sealed partial class KaptainRollbackCanary
{
    /// <summary>The InferenceService's name (the model's name).</summary>
    [Output]
    public string InferenceServiceName { get; private set; } = string.Empty;

    /// <summary>The URL the model is served at.</summary>
    [Output]
    public string Url { get; private set; } = string.Empty;

    /// <summary>The revision that now has all the traffic (the one rolled out before the canary).</summary>
    [Output]
    public string Revision { get; private set; } = string.Empty;

    /// <summary>The canary revision, which no longer receives traffic.</summary>
    [Output]
    public string PreviousRevision { get; private set; } = string.Empty;
}
