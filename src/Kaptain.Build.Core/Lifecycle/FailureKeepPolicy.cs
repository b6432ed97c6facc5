using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>What a failed (or timed-out) run of any step leaves on the cluster for inspection.</summary>
internal static class FailureKeepPolicy
{
    /// <summary>
    /// The run's own resources of <paramref name="kind"/> (the step's workload: the build Job, the training job, the
    /// experiment, the InferenceService) stay only with KaptainKeepFailedResources, never with force cleanup.
    /// </summary>
    public static KeepPolicy For(ModelDefinition model, ResourceKind kind) =>
        model.Cluster.KeepFailedResources && !model.Cluster.ForceCleanup
            ? KeepPolicy.RemoveEverything.Keep(kind, RunOutcome.Failed)
            : KeepPolicy.RemoveEverything;
}
