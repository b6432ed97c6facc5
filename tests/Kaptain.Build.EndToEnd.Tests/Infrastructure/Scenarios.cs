namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The suite's scenario file for the local cluster (Contract 4, rule 3: <c>KIND NAME-PATTERN SCENARIO</c>, first match
/// wins), for the InferenceServices of the publish tests, matched by the model name they are named after. The training
/// workloads are scripted by the tests themselves, through a <c>LOCAL_CLUSTER_SCENARIO</c> environment item as a user
/// would (see <see cref="Kaptain.Testing.SampleProject"/>); the Kaniko builds are never scripted (the simulated Kaniko
/// really builds), so the image-build tests fail them for real.
/// </summary>
public static class Scenarios
{
    /// <summary>An InferenceService that never becomes ready (its predictor is never scheduled).</summary>
    public const string ServingPending = "serve-pending";

    /// <summary>The file's text.</summary>
    public const string File = $"""
        # The InferenceServices of the tests named here, and their predictors' pods, do what the rule says (the Kaniko
        # builds of those tests ignore it: the simulated Kaniko always really builds).
        * {ServingPending}-* pending reason=Unschedulable
        """;
}
