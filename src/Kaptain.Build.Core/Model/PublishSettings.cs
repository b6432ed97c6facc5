namespace Kaptain.Build.Model;

/// <summary>How the model is published with KServe.</summary>
/// <param name="ModelUri">The storage URI the predictor serves (<c>KaptainModelUri</c>).</param>
/// <param name="DeploymentMode">Serverless or RawDeployment (<c>KaptainDeploymentMode</c>).</param>
/// <param name="ApiGroup"><c>serving.kserve.io</c> or <c>serving.kubeflow.org</c> (<c>KaptainServingApiGroup</c>).</param>
/// <param name="AutoscalingTarget">The autoscaling target (<c>KaptainAutoscalingTarget</c>).</param>
/// <param name="MinReplicas">The minimum replicas, when set.</param>
/// <param name="MaxReplicas">The maximum replicas, when set.</param>
/// <param name="Resources">The resources of each serving replica.</param>
/// <param name="Replace">Whether an InferenceService that this model did not create may be replaced (<c>KaptainReplace</c>).</param>
/// <param name="CanaryTrafficPercent">The new revision's share of traffic, when set (<c>KaptainCanaryTrafficPercent</c>).</param>
/// <param name="RevisionsToKeep">Previous revisions to keep, when set (<c>KaptainRevisionsToKeep</c>).</param>
/// <param name="Timeout">How long to wait for readiness (<c>KaptainPublishTimeout</c>).</param>
/// <param name="StableFor">How long the new version's predictor pods must stay ready without a restart once the
/// InferenceService is Ready (<c>KaptainPublishStableSeconds</c>); zero skips the check.</param>
public sealed record PublishSettings(
    string ModelUri,
    DeploymentMode DeploymentMode,
    string ApiGroup,
    int AutoscalingTarget,
    int? MinReplicas,
    int? MaxReplicas,
    ComputeResources Resources,
    bool Replace,
    int? CanaryTrafficPercent,
    int? RevisionsToKeep,
    TimeSpan Timeout,
    TimeSpan StableFor = default)
{
    /// <summary>The current KServe API group.</summary>
    public const string KServeApiGroup = "serving.kserve.io";

    /// <summary>The legacy KFServing API group.</summary>
    public const string LegacyApiGroup = "serving.kubeflow.org";
}
