namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The suite's scenario file for the local cluster (Contract 4, rule 3: <c>KIND NAME-PATTERN SCENARIO</c>, first match
/// wins). The Kaniko build Job cannot be scripted from the model project (the environment items go to the training
/// containers), so the image-build failure tests are scripted here by their model name, which starts every per-run
/// resource name: <c>{model}-build-{run}</c>. The training workloads are scripted by the tests themselves, through a
/// <c>LOCAL_CLUSTER_SCENARIO</c> environment item as a user would (see <see cref="Kaptain.Testing.SampleProject"/>).
/// </summary>
public static class Scenarios
{
    /// <summary>A Kaniko build that fails after a moment.</summary>
    public const string BuildFails = "build-fails";

    /// <summary>A Kaniko build that never ends (for the timeout and SIGINT tests).</summary>
    public const string BuildHangs = "build-hangs";

    /// <summary>A Kaniko pod that is never scheduled.</summary>
    public const string BuildPending = "build-pending";

    /// <summary>An InferenceService that never becomes ready (its predictor is never scheduled).</summary>
    public const string ServingPending = "serve-pending";

    /// <summary>An InferenceService whose predictor fails.</summary>
    public const string ServingFails = "serve-fails";

    /// <summary>The file's text.</summary>
    public const string File = $"""
        # Image builds of the tests named here do what the rule says instead of a real (simulated) Kaniko build.
        Job {BuildFails}-*-build-* fail after=500ms reason=Error message="error building image: RUN pip install failed"
        Job {BuildHangs}-*-build-* hang log="INFO[0000] Retrieving image manifest" log="INFO[0001] Unpacking rootfs"
        Job {BuildPending}-*-build-* pending reason=Unschedulable
        InferenceService {ServingPending}-* pending reason=Unschedulable
        InferenceService {ServingFails}-* fail after=500ms reason=Error message="model server exited: no model found"
        """;
}
