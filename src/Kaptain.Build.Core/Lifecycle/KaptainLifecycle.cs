using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The model lifecycle against a cluster, as the MSBuild targets and the Cake aliases run it: build the image, train,
/// tune, publish, undeploy, and sweep what killed runs left behind. Each call is one step; the front ends chain them
/// (train, tune and publish after the image step).
/// </summary>
/// <remarks>
/// <para>Every resource a step creates carries the model's labels and the run id, is recorded in the journal
/// (<c>obj/kaptain/journal-{run}.jsonl</c>, kept only while something of the run is left) the moment the API accepts it, and is removed by the same code on success, failure
/// and cancellation, except what the step leaves on purpose (as the Kaptain SDK does).</para>
/// <para>Failures throw a <see cref="KaptainException"/> whose diagnostics have also been logged through
/// <see cref="ILifecycleLog.Error"/>. When the token is cancelled the step stops waiting at once, removes everything
/// this run created (bounded by <see cref="LifecycleOptions.CleanupTimeout"/>) and throws
/// <see cref="OperationCanceledException"/>.</para>
/// <para>Each step writes a run report (<c>obj/kaptain/run-report-{step}.json</c>); it never holds a secret.</para>
/// </remarks>
public static class KaptainLifecycle
{
    /// <summary>
    /// Builds and pushes the model image with Kaniko, unless the registry already has the image for the build context's
    /// checksum (then only reads happen). On success the Secrets, the Job (with its pods) and the context object are
    /// removed; on failure the Secrets and the context object are, and the Job too unless
    /// <c>KaptainKeepFailedResources</c> is set.
    /// </summary>
    /// <exception cref="KaptainException">The build failed (<c>KAPT1101</c>), timed out (<c>KAPT1102</c>), or a credential, cluster or store error.</exception>
    public static Task<BuildImageResult> BuildImageAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        BuildImageStep.RunAsync(options, cancellationToken);

    /// <summary>
    /// Creates the TFJob or PyTorchJob, streams every replica's log, and waits (by watch) until it succeeds or fails or
    /// <c>KaptainTrainTimeout</c> passes. The job stays after success unless force cleanup was asked for.
    /// </summary>
    /// <exception cref="KaptainException">The job failed (<c>KAPT1103</c>) or timed out (<c>KAPT1104</c>), or a cluster error.</exception>
    public static Task<TrainResult> TrainAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        TrainingStep.RunAsync(options, cancellationToken);

    /// <summary>
    /// Creates the Katib Experiment, reports each trial as it changes and the best so far, and on success writes the
    /// best hyperparameters to <c>obj/kaptain/best-hyperparameters.props</c> and <c>.json</c>. The experiment is deleted
    /// when <c>KaptainDeleteExperiment</c> (or <c>KAPTAIN_SDK_DELETE_EXPERIMENT</c>) asks for it.
    /// </summary>
    /// <exception cref="KaptainException">The experiment failed (<c>KAPT1105</c>) or timed out (<c>KAPT1106</c>), or a cluster error.</exception>
    public static Task<TuneResult> TuneAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        TuningStep.RunAsync(options, cancellationToken);

    /// <summary>
    /// Creates the S3 Secret, the ServiceAccount and the InferenceService, waits until it is Ready and reports its URL.
    /// An existing InferenceService of the model's name is replaced only with <c>KaptainReplace</c>. The Secret is removed
    /// once the deployment is ready; Knative Revisions beyond <c>KaptainRevisionsToKeep</c> are removed.
    /// </summary>
    /// <exception cref="KaptainException">Replace refused (<c>KAPT1107</c>, nothing changed), failed for good (<c>KAPT1050</c>: RevisionFailed,
    /// ProgressDeadlineExceeded), a crash-looping predictor pod (<c>KAPT1051</c>), a failed model load KServe reports while the pods cannot be followed (<c>KAPT1056</c>), not ready in time (<c>KAPT1108</c>), or a credential or cluster error.</exception>
    public static Task<PublishResult> PublishAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        PublishingStep.RunAsync(options, cancellationToken);

    /// <summary>
    /// Promotes the canary of the model's InferenceService (published with <c>KaptainCanaryTrafficPercent</c>): drops
    /// <c>canaryTrafficPercent</c>, so KServe gives the latest revision all the traffic, and waits until it has. Serverless
    /// only (<c>KAPT2100</c> on RawDeployment).
    /// </summary>
    /// <exception cref="KaptainException">No service (<c>KAPT1052</c>), no canary (<c>KAPT1053</c>), RawDeployment (<c>KAPT2100</c>), not done in time (<c>KAPT1054</c>).</exception>
    public static Task<CanaryResult> PromoteCanaryAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        CanaryStep.RunAsync(options, promote: true, cancellationToken);

    /// <summary>
    /// Rolls back the canary of the model's InferenceService: sets <c>canaryTrafficPercent</c> to 0, so KServe sends all
    /// the traffic back to the revision rolled out before the canary, and waits until it has. Serverless only.
    /// </summary>
    /// <exception cref="KaptainException">No service (<c>KAPT1052</c>), no canary or no earlier revision (<c>KAPT1053</c>), RawDeployment (<c>KAPT2100</c>), not done in time (<c>KAPT1054</c>).</exception>
    public static Task<CanaryResult> RollbackCanaryAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        CanaryStep.RunAsync(options, promote: false, cancellationToken);

    /// <summary>Removes the model's InferenceService and what the publish step left with it (ServiceAccount, Secret).</summary>
    public static Task<UndeployResult> UndeployAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        UndeployStep.RunAsync(options, cancellationToken);

    /// <summary>
    /// Removes what earlier runs of this model left on the cluster (found by the model's labels and in the journal of
    /// killed runs), except the published deployment, and their context objects; reports what it removed.
    /// </summary>
    public static Task<CleanupResult> CleanupAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        CleanupStep.RunAsync(options, cancellationToken);
}
