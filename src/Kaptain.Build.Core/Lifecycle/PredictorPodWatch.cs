using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Follows an InferenceService's predictor pods while publish waits (one list + watch by KServe's label): says each
/// container's waiting reason once as it appears (ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError, an
/// init container's <c>Init:</c> reason) with the pod's Warning Events, and notes a container that crash-loops in a pod
/// this run's rollout made. KServe can say Ready while its pods crash-loop (kserve#1859), and a RawDeployment rollout
/// whose new pods crash stays "progressing" for the Deployment's whole progress deadline (600 s), so that note is what
/// lets publish fail fast.
/// </summary>
internal sealed class PredictorPodWatch : IAsyncDisposable
{
    private static readonly HashSet<string> Reported = new(StringComparer.Ordinal)
    {
        "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "CrashLoopBackOff",
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
    };

    private const int EventWaitAttempts = 4;
    private static readonly TimeSpan EventWaitInterval = TimeSpan.FromMilliseconds(250);

    private readonly LifecycleRun run;
    private readonly HashSet<string> earlierPods;
    private readonly HashSet<string> said = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop;
    private readonly Task watching;

    private PredictorPodWatch(LifecycleRun run, string selector, HashSet<string> earlierPods, CancellationToken cancellationToken)
    {
        this.run = run;
        this.earlierPods = earlierPods;
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        watching = Task.Run(() => WatchAsync(selector, stop.Token), CancellationToken.None);
    }

    /// <summary>Cancelled when a predictor pod of this rollout crash-loops (see <see cref="Failure"/>), or with the step.</summary>
    public CancellationTokenSource Failed { get; }

    /// <summary>The crash-looping container (pod, container, its last message and the pod's Events), once seen.</summary>
    public string? Failure { get; private set; }

    /// <summary>False once the pods cannot be watched (refused, or the watch failed): then nothing here ends the wait,
    /// and publish takes a failed model load from KServe's <c>status.modelStatus</c> instead.</summary>
    public bool Following { get; private set; } = true;

    /// <summary>What publish goes without when the predictor pods cannot be listed or watched: said once, by whichever
    /// of the pod watch and the stability check meets the refusal first (<see cref="RefusedSideRequests"/>).</summary>
    public static string NotFollowed(LifecycleRun run) =>
        "the predictor pods are not followed: their waiting reasons are not shown, and a crash loop does not end the wait early "
        + "(a storage initializer's failure is taken from KServe's modelStatus)"
        + (run.Model.Publish.StableFor > TimeSpan.Zero
            ? $", and whether they stay up for {LifecycleText.Duration(run.Model.Publish.StableFor)} after Ready (KaptainPublishStableSeconds) is not checked"
            : string.Empty);

    /// <summary>
    /// Starts following the pods of InferenceService <paramref name="name"/>. Pods there are now (uids in
    /// <paramref name="earlierPods"/>) are still reported but never fail the step: they serve the replaced version.
    /// </summary>
    public static PredictorPodWatch Start(LifecycleRun run, string name, HashSet<string> earlierPods, CancellationToken cancellationToken) =>
        new(run, $"{PublishingStep.InferenceServiceLabel}={name}", earlierPods, cancellationToken);

    /// <summary>The uids of the InferenceService's predictor pods there are now (none when they cannot be listed).</summary>
    public static async Task<HashSet<string>> CurrentPodsAsync(LifecycleRun run, string name, CancellationToken cancellationToken)
    {
        try
        {
            var pods = await run.Client.ListAsync(ResourceKinds.Pod, run.Namespace, $"{PublishingStep.InferenceServiceLabel}={name}", null, cancellationToken).ConfigureAwait(false);
            return pods.Items.Select(p => KubernetesObjectJson.Uid(p) ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        }
        catch (KaptainException exception)
        {
            run.Refused.Refused(exception, NotFollowed(run));
            return new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>The waiting containers of a pod: (container, reason, message), init containers' reasons as <c>Init:reason</c>.</summary>
    public static IEnumerable<(string Container, string Reason, string Message)> Waiting(JsonObject pod)
    {
        foreach (var (field, prefix) in new[] { ("initContainerStatuses", "Init:"), ("containerStatuses", string.Empty) })
        {
            if (pod["status"]?[field] is not JsonArray statuses)
            {
                continue;
            }

            foreach (var status in statuses.OfType<JsonObject>())
            {
                var reason = LifecycleText.Text(status["state"]?["waiting"]?["reason"]);
                if (Reported.Contains(reason))
                {
                    var message = LifecycleText.Text(status["state"]?["waiting"]?["message"]);
                    var last = LifecycleText.Text(status["lastState"]?["terminated"]?["message"]);
                    yield return (LifecycleText.Text(status["name"]), prefix + reason, string.IsNullOrEmpty(last) ? message : $"{message} (last exit: {last})".Trim());
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await watching.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped with the wait.
        }

        stop.Dispose();
        Failed.Dispose();
    }

    private async Task WatchAsync(string selector, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in run.Client.WatchAsync(ResourceKinds.Pod, run.Namespace, selector, null, cancellationToken).ConfigureAwait(false))
            {
                if ((change.Type is ResourceEventType.Added or ResourceEventType.Modified) && !KubernetesObjectJson.IsTerminating(change.Resource))
                {
                    await InspectAsync(change.Resource, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (KaptainException exception)
        {
            // The pods are a help, not the outcome: the InferenceService's conditions and model status still decide.
            Following = false;
            run.Refused.Refused(exception, NotFollowed(run));
            run.Log.Detail($"The predictor pods cannot be followed ({exception.Diagnostics[0].Code})");
        }
    }

    private async Task InspectAsync(JsonObject pod, CancellationToken cancellationToken)
    {
        var name = KubernetesObjectJson.Name(pod);
        foreach (var (container, reason, message) in Waiting(pod))
        {
            if (!said.Add($"{name}/{container}/{reason}"))
            {
                continue;
            }

            var events = await EventsAsync(name, cancellationToken).ConfigureAwait(false);
            for (var attempt = 0; events.Length == 0 && attempt < EventWaitAttempts; attempt++)
            {
                // The kubelet sends its Events in the background (client-go's event broadcaster), so the pod's status
                // can name a reason before the BackOff/Failed Event that explains it is stored: look again, briefly.
                await Task.Delay(EventWaitInterval, cancellationToken).ConfigureAwait(false);
                events = await EventsAsync(name, cancellationToken).ConfigureAwait(false);
            }

            run.Log.Info($"Predictor pod {name}: container {container} is waiting: {reason}" + (string.IsNullOrEmpty(message) ? string.Empty : $" ({message})")
                + (events.Length == 0 ? string.Empty : Environment.NewLine + events));
            if (reason.EndsWith("CrashLoopBackOff", StringComparison.Ordinal) && !earlierPods.Contains(KubernetesObjectJson.Uid(pod) ?? string.Empty) && Failure is null)
            {
                Failure = $"pod {name}, container {container}: {reason}" + (string.IsNullOrEmpty(message) ? string.Empty : $" ({message})")
                    + Environment.NewLine + (events.Length == 0 ? "  (no events)" : events);
                await Failed.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<string> EventsAsync(string pod, CancellationToken cancellationToken)
    {
        try
        {
            var events = await new PodEvents(run.Client).ForObjectAsync(run.Namespace, "Pod", pod, cancellationToken).ConfigureAwait(false);
            return string.Join(Environment.NewLine, events.Where(e => e.Type == "Warning").Select(e => "  " + e).Distinct(StringComparer.Ordinal).TakeLast(5));
        }
        catch (KaptainException exception)
        {
            run.Refused.Refused(exception, $"the waiting reason of predictor pod {pod} is reported without its Events");
            return string.Empty;
        }
    }
}
