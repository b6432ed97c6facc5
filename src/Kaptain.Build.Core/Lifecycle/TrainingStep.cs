using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The train step: creates the TFJob or PyTorchJob, streams every replica's log, follows the job with a watch until it
/// succeeds, fails or times out, and leaves the job behind after success (as the Kaptain SDK does) unless force cleanup
/// was asked for.
/// </summary>
internal static class TrainingStep
{
    /// <summary>How long the logs of finished replicas may take to arrive after the job's end.</summary>
    private static readonly TimeSpan LogDrain = TimeSpan.FromSeconds(3);

    public static async Task<TrainResult> RunAsync(LifecycleOptions options, CancellationToken cancellationToken)
    {
        await using var run = LifecycleRun.Begin(options, LifecycleStep.Train.LabelValue());
        var model = run.Model;
        var kind = JobKind(model.Framework);
        return await run.ExecuteAsync(
            async () =>
            {
                await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var secrets = await StepCredentials.ForTrainingAsync(run, LifecycleStep.Train, cancellationToken).ConfigureAwait(false);
                var runContext = await StepInputs.RunContextAsync(run, cancellationToken).ConfigureAwait(false);
                var manifests = ManifestRenderer.Render(model, LifecycleStep.Train, runContext with { Secrets = secrets });
                var job = manifests.Custom(kind.Kind);
                var name = job.Metadata.Name;
                run.Report.Set("jobKind", kind.Kind);
                run.Report.Set("jobName", name);
                // The S3 Secret first (the replicas read it when they start), then the job, which then owns the Secret.
                var secret = manifests.Single<k8s.Models.V1Secret>();
                await run.CreateAsync(secret, cancellationToken).ConfigureAwait(false);
                var created = await run.CreateAsync(job, cancellationToken).ConfigureAwait(false);
                await SecretOwnership.SetOwnerAsync(run, secret.Metadata.Name, created, cancellationToken).ConfigureAwait(false);

                var sink = new StepLogSink(run.Log);
                await using var logs = new PodLogStreamer(run.Client, run.Namespace, run.RunSelector(LifecycleStep.Train), sink, run.Resilience, run.Refused);
                logs.Start(cancellationToken);
                var states = new StateReporter(run.Log, $"{kind.Kind} {name}");
                var end = await StepWatch.WaitForAsync(run, kind, name, IsFinished, model.Train.Timeout, states.Report, cancellationToken).ConfigureAwait(false);
                await logs.StopAsync(end.Outcome == ResourceWaitOutcome.Satisfied ? LogDrain : TimeSpan.Zero).ConfigureAwait(false);

                var state = JobState(end.Resource);
                run.Report.Set("state", end.Outcome == ResourceWaitOutcome.TimedOut ? "TimedOut" : state);
                switch (end.Outcome)
                {
                    case ResourceWaitOutcome.Deleted:
                        throw new KaptainException(KaptainDiagnostic.Error("KAPT1109", name, kind.Kind, name, "train"));
                    case ResourceWaitOutcome.TimedOut:
                        throw new KaptainException(KaptainDiagnostic.Error(
                            "KAPT1104", name, kind.Kind, name, LifecycleText.Duration(model.Train.Timeout),
                            LifecycleText.Conditions(end.Resource), await StepEvents.DescribeAsync(run, kind, name, ManifestLabels.Selector(model, null, run.RunId), cancellationToken).ConfigureAwait(false)));
                    case ResourceWaitOutcome.Satisfied when state != "Succeeded":
                        var failed = KubernetesObjectJson.Condition(end.Resource!, "Failed");
                        throw new KaptainException(KaptainDiagnostic.Error(
                            "KAPT1103", name, kind.Kind, name, LifecycleText.Reason(failed), LifecycleText.Conditions(end.Resource),
                            await StepEvents.DescribeAsync(run, kind, name, ManifestLabels.Selector(model, null, run.RunId), cancellationToken).ConfigureAwait(false)));
                }

                var keepJob = !model.Cluster.ForceCleanup;
                await run.CleanUpAsync(RunOutcome.Succeeded, SuccessPolicy(model, kind)).ConfigureAwait(false);
                run.Log.Info(keepJob
                    ? $"{kind.Kind} {name} succeeded in {LifecycleText.Duration(run.Elapsed)}; it stays on the cluster (set KaptainForceCleanup=true to remove it)"
                    : $"{kind.Kind} {name} succeeded in {LifecycleText.Duration(run.Elapsed)}; it was removed (force cleanup)");
                StepSummary.Report(run, kind.Kind, name, state, keepJob);
                return new TrainResult { JobKind = kind.Kind, JobName = name, State = state, JobKept = keepJob };
            },
            () => FailureKeepPolicy.For(model, kind).KeepWith(kind, ResourceKinds.Secret),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The training job's kind for a framework.</summary>
    public static ResourceKind JobKind(ModelFramework framework) =>
        framework == ModelFramework.TensorFlow ? ResourceKinds.TFJob : ResourceKinds.PyTorchJob;

    /// <summary>
    /// What a successful run keeps: the training job (as the Kaptain SDK leaves it) and the S3 Secret it owns (its pods
    /// reference it; the garbage collector removes it with the job), unless force cleanup was asked for.
    /// </summary>
    public static KeepPolicy SuccessPolicy(ModelDefinition model, ResourceKind kind) =>
        model.Cluster.ForceCleanup
            ? KeepPolicy.RemoveEverything
            : KeepPolicy.RemoveEverything.Keep(kind, RunOutcome.Succeeded).Keep(ResourceKinds.Secret, RunOutcome.Succeeded);

    /// <summary>Whether a training-operator job has ended: a true <c>Succeeded</c> or <c>Failed</c> condition.</summary>
    public static bool IsFinished(JsonObject job) =>
        KubernetesObjectJson.HasTrueCondition(job, "Succeeded") || KubernetesObjectJson.HasTrueCondition(job, "Failed");

    /// <summary>The job's state: the type of its latest true condition (<c>Created</c>, <c>Running</c>, <c>Succeeded</c>, ...), or <c>Pending</c>.</summary>
    public static string JobState(JsonObject? job)
    {
        if (job is null)
        {
            return "Deleted";
        }

        if (KubernetesObjectJson.HasTrueCondition(job, "Succeeded"))
        {
            return "Succeeded";
        }

        if (KubernetesObjectJson.HasTrueCondition(job, "Failed"))
        {
            return "Failed";
        }

        return (job["status"]?["conditions"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .LastOrDefault(c => LifecycleText.Text(c["status"]) == "True") is { } latest
            ? LifecycleText.Text(latest["type"])
            : "Pending";
    }
}
