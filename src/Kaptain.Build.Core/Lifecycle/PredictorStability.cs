using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using static Kaptain.Build.Lifecycle.PodEnds;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The check publish makes after the InferenceService is Ready: the predictor pods of the version just rolled out must
/// stay up, with no container restart, for <c>KaptainPublishStableSeconds</c>. KServe's Ready says only that they were
/// ready once: RawDeployment's PredictorReady is the Deployment's <c>Available</c> condition, which counts a pod as soon
/// as its readiness probe has passed for <c>minReadySeconds</c> (0 unless set), and a Serverless Revision stays Ready
/// while its pods crash-loop (kserve/kserve#1859, #2037; kserve <c>pkg/apis/serving/v1beta1/inference_service_status.go</c>
/// PropagateRawStatus). A model server that loads lazily or runs out of memory on its first allocation passes the probe,
/// then exits: a restart (or CrashLoopBackOff) in the window fails the publish with <c>KAPT1055</c>, naming the pod,
/// the container, its last termination and the pod's Events.
/// </summary>
internal static class PredictorStability
{
    /// <summary>The label Knative puts on a Revision's pods (knative/serving pkg/reconciler/revision/resources/meta.go).</summary>
    public const string KnativeRevisionLabel = "serving.knative.dev/revision";

    /// <summary>Knative's sidecar (knative/serving pkg/reconciler/revision/resources/queue.go, QueueContainerName).</summary>
    private const string QueueProxy = "queue-proxy";

    private const int EventWaitAttempts = 4;
    private static readonly TimeSpan EventWaitInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Follows the predictor pods of InferenceService <paramref name="name"/> for the model's
    /// <see cref="Model.PublishSettings.StableFor"/>: those of Knative Revision <paramref name="revision"/> (Serverless),
    /// or all but <paramref name="earlierPods"/> (RawDeployment: the replaced version's pods). Throws <c>KAPT1055</c>
    /// at the first restart or CrashLoopBackOff; warns <c>KAPT5060</c> when the pods cannot be followed.
    /// </summary>
    public static async Task EnsureStableAsync(
        LifecycleRun run, string name, string? revision, IReadOnlySet<string> earlierPods, CancellationToken cancellationToken)
    {
        var window = run.Model.Publish.StableFor;
        if (window <= TimeSpan.Zero)
        {
            return;
        }

        var selector = $"{PublishingStep.InferenceServiceLabel}={name}" + (revision is null ? string.Empty : $",{KnativeRevisionLabel}={revision}");
        run.Log.Detail($"Checking that the predictor pods of InferenceService {name} stay up for {LifecycleText.Duration(window)} (KaptainPublishStableSeconds)");
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var pods = 0;
        Crash? crash = null;
        using var end = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        end.CancelAfter(window);
        try
        {
            await foreach (var change in run.Client.WatchAsync(ResourceKinds.Pod, run.Namespace, selector, null, end.Token).ConfigureAwait(false))
            {
                var uid = KubernetesObjectJson.Uid(change.Resource) ?? string.Empty;
                if (change.Type is not (ResourceEventType.Added or ResourceEventType.Modified)
                    || KubernetesObjectJson.IsTerminating(change.Resource) || earlierPods.Contains(uid))
                {
                    continue;
                }

                if (change.Type == ResourceEventType.Added)
                {
                    pods++;
                }

                crash = Inspect(change.Resource, seen);
                if (crash is not null)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (end.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The window passed.
        }
        catch (KaptainException exception)
        {
            run.Warn(KaptainDiagnostic.Warning("KAPT5060", name, name, LifecycleText.Duration(window), exception.Diagnostics[0].ToString(), run.Namespace));
            return;
        }

        if (crash is null)
        {
            run.Log.Detail($"The predictor pods of InferenceService {name} stayed up for {LifecycleText.Duration(window)} ({pods} pod(s), no restart)");
            return;
        }

        var events = await EventsAsync(run, crash.Pod, cancellationToken).ConfigureAwait(false);
        run.Report.Set("state", "Failed");
        throw new KaptainException(KaptainDiagnostic.Error(
            "KAPT1055", name, name, crash.Pod, LifecycleText.Duration(window), crash.Container, crash.What, crash.Restarts,
            events.Length == 0 ? "  (none)" : events, run.Namespace));
    }

    /// <summary>
    /// The first container of <paramref name="pod"/> that crashed since it was first seen: its restart count grew, it
    /// waits in CrashLoopBackOff, or it has terminated (an init container: with a non-zero exit code). The model
    /// server's containers come before Knative's queue-proxy. <paramref name="seen"/> holds each container's restart
    /// count when first seen.
    /// </summary>
    internal static Crash? Inspect(JsonObject pod, Dictionary<string, long> seen)
    {
        var podName = KubernetesObjectJson.Name(pod);
        var uid = KubernetesObjectJson.Uid(pod) ?? podName;
        var statuses = new[] { ("initContainerStatuses", true), ("containerStatuses", false) }
            .SelectMany(f => (pod["status"]?[f.Item1] as JsonArray ?? []).OfType<JsonObject>().Select(s => (Status: s, Init: f.Item2)))
            .OrderBy(s => LifecycleText.Text(s.Status["name"]) == QueueProxy)
            .ToList();
        foreach (var (status, init) in statuses)
        {
            var container = LifecycleText.Text(status["name"]);
            var restarts = LifecycleText.Number(status["restartCount"]) ?? 0;
            var key = $"{uid}/{container}";
            var first = !seen.TryGetValue(key, out var before);
            if (first)
            {
                seen[key] = restarts;
                before = restarts;
            }

            var waiting = LifecycleText.Text(status["state"]?["waiting"]?["reason"]);
            var terminated = status["state"]?["terminated"] as JsonObject;
            var exited = terminated is not null && (!init || LifecycleText.Number(terminated["exitCode"]) is not (null or 0));
            if (restarts > before || waiting == "CrashLoopBackOff" || exited)
            {
                var last = terminated ?? status["lastState"]?["terminated"] as JsonObject;
                var what = waiting == "CrashLoopBackOff"
                    ? $"is in {(init ? "Init:" : string.Empty)}CrashLoopBackOff ({LifecycleText.Text(status["state"]?["waiting"]?["message"])}); last exit: {Termination(last)}"
                    : terminated is not null ? $"exited: {Termination(terminated)}" : $"restarted; last exit: {Termination(last)}";
                return new Crash(podName, container, what, restarts);
            }
        }

        return null;
    }

    private static async Task<string> EventsAsync(LifecycleRun run, string pod, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string events;
            try
            {
                var records = await new PodEvents(run.Client).ForObjectAsync(run.Namespace, "Pod", pod, cancellationToken).ConfigureAwait(false);
                events = string.Join(Environment.NewLine, records.Where(e => e.Type == "Warning").Select(e => "  " + e).Distinct(StringComparer.Ordinal).TakeLast(5));
            }
            catch (KaptainException)
            {
                return string.Empty;
            }

            if (events.Length > 0 || attempt >= EventWaitAttempts)
            {
                return events;
            }

            // The kubelet sends its BackOff Event in the background, after the status that names the crash.
            await Task.Delay(EventWaitInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A container that crashed: the pod, the container, what happened and its restart count.</summary>
    internal sealed record Crash(string Pod, string Container, string What, long Restarts);
}
