using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Follows the logs of every pod that matches a label selector (the replicas of a training job, the pod of a build
/// Job), line by line with a <c>[pod-name]</c> prefix, into an <see cref="IPodLogSink"/>. Pods that appear later are
/// picked up, pending pods are waited for, a dropped stream is reopened without repeating lines, and after a container
/// restart the previous container's log is shown before the new one is followed. A stream that cannot be opened or
/// breaks is reported once per container, with the server's reason, and retried with back-off (the workload's outcome,
/// not its log, decides the step); a <c>204 No Content</c> (no log yet) is waited out quietly.
/// </summary>
/// <example>
/// <code>
/// await using var logs = new PodLogStreamer(client, ns, $"training.kubeflow.org/job-name={name}", sink);
/// logs.Start(cancellationToken);
/// var result = await watch.WaitForAsync(ResourceKinds.PyTorchJob, ns, name, IsFinished, timeout, null, cancellationToken);
/// await logs.StopAsync(TimeSpan.FromSeconds(5)); // let the last lines of finished pods arrive
/// </code>
/// </example>
public sealed class PodLogStreamer : IAsyncDisposable
{
    private readonly IClusterResourceClient client;
    private readonly string? @namespace;
    private readonly string labelSelector;
    private readonly IPodLogSink sink;
    private readonly ClusterResilience? resilience;
    private readonly IRefusedRequestReport? refused;
    private readonly Lock sinkGate = new();
    private readonly ConcurrentDictionary<string, PodTracker> pods = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> followers = [];
    private CancellationTokenSource? discovery;
    private CancellationTokenSource? following;
    private Task? discoveryTask;

    /// <summary>Creates a streamer; nothing happens before <see cref="Start"/>.</summary>
    /// <param name="client">The resource client.</param>
    /// <param name="namespace">The pods' namespace; the client's default when <see langword="null"/>.</param>
    /// <param name="labelSelector">Selects the pods to follow.</param>
    /// <param name="sink">Receives the lines.</param>
    /// <param name="resilience">Counts reconnections and paces them; optional.</param>
    /// <param name="refused">
    /// Told when the pods may not be listed or watched, or a log may not be read (403), instead of a note in the log;
    /// optional.
    /// </param>
    public PodLogStreamer(
        IClusterResourceClient client,
        string? @namespace,
        string labelSelector,
        IPodLogSink sink,
        ClusterResilience? resilience = null,
        IRefusedRequestReport? refused = null)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.@namespace = @namespace;
        this.labelSelector = labelSelector ?? throw new ArgumentNullException(nameof(labelSelector));
        this.sink = sink ?? throw new ArgumentNullException(nameof(sink));
        this.resilience = resilience;
        this.refused = refused;
    }

    /// <summary>How many times a dropped log stream was reopened.</summary>
    public int Reconnects => Volatile.Read(ref reconnects);

    private int reconnects;

    // How long a cleanly ended stream waits for the pod status to say why (container stopped or restarted).
    private static readonly TimeSpan StatusGrace = TimeSpan.FromSeconds(5);

    /// <summary>Starts watching for pods and following their logs, until <see cref="StopAsync"/> or cancellation.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        if (discoveryTask is not null)
        {
            throw new InvalidOperationException("The streamer is already started.");
        }

        following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        discovery = CancellationTokenSource.CreateLinkedTokenSource(following.Token);
        discoveryTask = Task.Run(() => DiscoverAsync(discovery.Token), CancellationToken.None);
    }

    /// <summary>
    /// Stops looking for new pods and gives the pods being followed up to <paramref name="drain"/> to reach the end of
    /// their logs (a finished pod's stream ends by itself), then stops following.
    /// </summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (discoveryTask is null || discovery is null || following is null)
        {
            return;
        }

        await discovery.CancelAsync().ConfigureAwait(false);
        await Quietly(discoveryTask).ConfigureAwait(false);
        var all = Task.WhenAll(followers.Select(Quietly));
        if (drain > TimeSpan.Zero)
        {
            await Task.WhenAny(all, Task.Delay(drain, CancellationToken.None)).ConfigureAwait(false);
        }

        await following.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        discovery?.Dispose();
        following?.Dispose();
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in client
                               .WatchAsync(ResourceKinds.Pod, @namespace, labelSelector, null, cancellationToken)
                               .ConfigureAwait(false))
            {
                if (change.Type == ResourceEventType.Synced)
                {
                    continue;
                }

                var name = KubernetesObjectJson.Name(change.Resource);
                if (change.Type == ResourceEventType.Deleted)
                {
                    if (pods.TryGetValue(name, out var gone))
                    {
                        gone.Update(change.Resource, deleted: true);
                    }

                    continue;
                }

                var isNew = false;
                var tracker = pods.GetOrAdd(name, _ =>
                {
                    isNew = true;
                    return new PodTracker(change.Resource);
                });
                tracker.Update(change.Resource, deleted: false);
                if (isNew)
                {
                    foreach (var container in Containers(change.Resource))
                    {
                        followers.Add(Task.Run(
                            () => FollowContainerAsync(tracker, name, container, following!.Token), CancellationToken.None));
                    }
                }
            }
        }
        catch (KaptainException exception)
        {
            if (refused?.Refused(exception, $"no pod log line is shown (the pods of {labelSelector} are not found)") != true)
            {
                Write(new PodLogLine("kaptain", "", $"cannot watch pods ({exception.Diagnostics[0].Code}): {exception.Diagnostics[0].Message}", IsNote: true));
            }
        }
    }

    private async Task FollowContainerAsync(PodTracker pod, string podName, string container, CancellationToken cancellationToken)
    {
        var seen = new LogLineDeduplicator();
        int? instance = null;
        var failuresInARow = 0;
        var notAvailableInARow = 0;
        var reported = false;
        try
        {
            while (true)
            {
                // Wait until the container has started (or the pod ended without it).
                var state = await pod.WaitUntilAsync(p => ContainerState.Of(p.Resource, container).HasStarted || p.IsOver, cancellationToken)
                    .ConfigureAwait(false);
                var status = ContainerState.Of(state.Resource, container);
                if (!status.HasStarted)
                {
                    return;
                }

                if (instance is null && status.RestartCount > 0)
                {
                    // We came in after a restart: show why the previous container ended first.
                    Write(new PodLogLine(podName, container, $"--- log of the previous container (restart {status.RestartCount}) ---", IsNote: true));
                    await ShowAsync(podName, container, previous: true, follow: false, new LogLineDeduplicator(), cancellationToken).ConfigureAwait(false);
                    Write(new PodLogLine(podName, container, "--- current container ---", IsNote: true));
                }
                else if (instance is not null && status.RestartCount > instance)
                {
                    // The instance we followed ended and another one started: catch up on what the dropped or ended stream
                    // did not show, then follow the new instance from its start.
                    await ShowAsync(podName, container, previous: true, follow: false, seen, cancellationToken).ConfigureAwait(false);
                    Write(new PodLogLine(podName, container, $"--- container restarted (restart {status.RestartCount}) ---", IsNote: true));
                    seen = new LogLineDeduplicator();
                }

                instance = status.RestartCount;
                var end = await ShowAsync(podName, container, previous: false, follow: true, seen, cancellationToken)
                    .ConfigureAwait(false);
                var completed = end.Completed;
                if (end.Denied)
                {
                    if (end.Failure is null)
                    {
                        // Reported as refused, once for the step.
                        return;
                    }

                    Write(new PodLogLine(podName, container, $"cannot read the log of container {container}: {end.Failure}", IsNote: true));
                    return;
                }

                if (end.NotAvailable)
                {
                    // No log yet (204): ask again when the pod changes, or after a back-off.
                    notAvailableInARow++;
                    var backOff = resilience?.ResumeDelay(notAvailableInARow) ?? TimeSpan.FromMilliseconds(200 * Math.Min(notAvailableInARow, 10));
                    var observed = pod.Current.Resource;
                    await pod.WaitUntilAsync(p => p.IsOver || !ReferenceEquals(p.Resource, observed), backOff, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                notAvailableInARow = 0;
                if (end.Delivered)
                {
                    failuresInARow = 0;
                }

                // Where is the container now? A stream also ends when the container stops, and the kubelet reports
                // that a moment later: give the status that moment before taking a clean end for a dropped stream.
                var followed = instance;
                if (completed && !ContainerState.Of(pod.Current.Resource, container).IsTerminated)
                {
                    await pod.WaitUntilAsync(
                            p => p.IsOver
                                 || ContainerState.Of(p.Resource, container) is var s && (s.IsTerminated || s.RestartCount > followed),
                            StatusGrace,
                            cancellationToken)
                        .ConfigureAwait(false);
                }

                var now = pod.Current;
                var after = ContainerState.Of(now.Resource, container);
                if (now.Deleted)
                {
                    return;
                }

                if (after.RestartCount > instance)
                {
                    failuresInARow = 0;
                    continue;
                }

                if (after.IsTerminated && completed)
                {
                    if (!WillRestart(now.Resource, after))
                    {
                        return;
                    }

                    await pod.WaitUntilAsync(
                            p => p.IsOver || ContainerState.Of(p.Resource, container).RestartCount > instance,
                            cancellationToken)
                        .ConfigureAwait(false);
                    continue;
                }

                // The stream could not be opened, or dropped while the container runs: say so once for this container
                // (silence would read as "the job prints nothing"), then reopen it; the deduplicator skips what was shown.
                // A clean end is reported only when it repeats: once, it is usually a status that lags behind the
                // container's stop.
                var reason = end.Failure ?? (failuresInARow > 0 ? "the stream keeps ending while the container is still running" : null);
                if (!reported && reason is not null)
                {
                    reported = true;
                    Write(new PodLogLine(podName, container, $"the log of container {container} is not available: {reason}; retrying", IsNote: true));
                }

                Interlocked.Increment(ref reconnects);
                resilience?.CountResume();
                failuresInARow++;
                var delay = resilience?.ResumeDelay(failuresInARow) ?? TimeSpan.FromMilliseconds(200 * Math.Min(failuresInARow, 10));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // Shows one stream: whether it ended normally, or why not.
    private async Task<StreamEnd> ShowAsync(
        string podName, string container, bool previous, bool follow, LogLineDeduplicator seen, CancellationToken cancellationToken)
    {
        seen.BeginStream();
        var delivered = false;
        try
        {
            var options = new PodLogOptions { Container = container, Follow = follow, Previous = previous, Timestamps = true };
            await using var stream = await client.ReadPodLogAsync(@namespace, podName, options, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } raw)
            {
                if (seen.TryAccept(raw, out var text))
                {
                    delivered = true;
                    Write(new PodLogLine(podName, container, text));
                }
            }

            return new StreamEnd(true, false, false, null, delivered);
        }
        catch (PodLogNotAvailableException) when (!cancellationToken.IsCancellationRequested)
        {
            return new StreamEnd(false, true, false, null, false);
        }
        catch (KaptainException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Unauthorized or forbidden: asking again will not help.
            if (refused?.Refused(exception, $"the log of container {container} of pod {podName} is not shown") == true)
            {
                return new StreamEnd(false, false, true, null, delivered);
            }

            return new StreamEnd(false, false, true, $"{exception.Diagnostics[0].Code}: {exception.Diagnostics[0].Message}", delivered);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
                                          && exception is IOException or HttpRequestException or k8s.Autorest.HttpOperationException
                                              or OperationCanceledException)
        {
            // A 400 "container is waiting to start", a 5xx from an unreachable kubelet, or a cut connection; the caller
            // decides from the pod's state.
            return new StreamEnd(false, false, false, Reason(exception), delivered);
        }
    }

    /// <summary>The server's reason for a failed log request: its status and the message of its Status object.</summary>
    internal static string Reason(Exception exception)
    {
        if (exception is k8s.Autorest.HttpOperationException http && http.Response is { } response)
        {
            var message = response.Content;
            try
            {
                if (!string.IsNullOrWhiteSpace(message) && JsonNode.Parse(message) is JsonObject status && status["message"] is JsonValue text)
                {
                    message = text.GetValue<string>();
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not a Status object: the body as it is.
            }

            var code = (int)response.StatusCode;
            message = string.IsNullOrWhiteSpace(message) ? response.ReasonPhrase ?? response.StatusCode.ToString() : message.Trim();
            return $"{code} {response.StatusCode}: {(message.Length > 300 ? message[..300] + "..." : message)}";
        }

        return exception is OperationCanceledException ? "the request timed out" : exception.Message;
    }

    private readonly record struct StreamEnd(bool Completed, bool NotAvailable, bool Denied, string? Failure, bool Delivered);

    private void Write(PodLogLine line)
    {
        lock (sinkGate)
        {
            sink.WriteLine(line);
        }
    }

    private static bool WillRestart(JsonObject pod, ContainerState container)
    {
        var phase = KubernetesObjectJson.StringAt(pod, "status.phase");
        if (phase is "Succeeded" or "Failed")
        {
            return false;
        }

        return KubernetesObjectJson.StringAt(pod, "spec.restartPolicy") switch
        {
            "Never" => false,
            "OnFailure" => container.ExitCode != 0,
            _ => true,
        };
    }

    private static IEnumerable<string> Containers(JsonObject pod) =>
        (pod["spec"]?["containers"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .Select(container => container["name"]?.GetValue<string>())
        .OfType<string>();

    private readonly record struct ContainerState(bool HasStarted, bool IsTerminated, int RestartCount, int? ExitCode)
    {
        public static ContainerState Of(JsonObject pod, string container)
        {
            var status = (pod["status"]?["containerStatuses"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .FirstOrDefault(s => s["name"]?.GetValue<string>() == container);
            if (status is null)
            {
                return default;
            }

            var state = status["state"] as JsonObject;
            var running = state?["running"] is JsonObject;
            var terminated = state?["terminated"] as JsonObject;
            var restarts = status["restartCount"] is JsonValue count && count.TryGetValue<int>(out var n) ? n : 0;
            int? exitCode = terminated?["exitCode"] is JsonValue code && code.TryGetValue<int>(out var c) ? c : null;

            // A restarted container waiting in back-off has a log of its previous instance worth showing.
            var started = running || terminated is not null || restarts > 0;
            return new ContainerState(started, terminated is not null, restarts, exitCode);
        }
    }

    /// <summary>The latest state of one pod, with a way to wait for the next change.</summary>
    private sealed class PodTracker(JsonObject initial)
    {
        private readonly Lock gate = new();
        private Snapshot current = new(initial, false);
        private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Snapshot Current
        {
            get
            {
                lock (gate)
                {
                    return current;
                }
            }
        }

        public void Update(JsonObject resource, bool deleted)
        {
            TaskCompletionSource signal;
            lock (gate)
            {
                current = new Snapshot(resource, deleted || current.Deleted);
                signal = changed;
                changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            signal.TrySetResult();
        }

        public async Task<Snapshot> WaitUntilAsync(Func<Snapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                return await WaitUntilAsync(condition, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Current;
            }
        }

        public async Task<Snapshot> WaitUntilAsync(Func<Snapshot, bool> condition, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task next;
                Snapshot snapshot;
                lock (gate)
                {
                    snapshot = current;
                    next = changed.Task;
                }

                if (condition(snapshot))
                {
                    return snapshot;
                }

                await next.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed record Snapshot(JsonObject Resource, bool Deleted)
    {
        public bool IsOver =>
            Deleted || KubernetesObjectJson.StringAt(Resource, "status.phase") is "Succeeded" or "Failed";
    }
}
