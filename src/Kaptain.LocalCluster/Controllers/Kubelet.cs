using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Operators;
using Kaptain.LocalCluster.Simulation;
using Kaptain.LocalCluster.Storage;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The simulated kubelet of one node, as KWOK's node and pod controllers (kubernetes-sigs/kwok,
/// <c>pkg/kwok/controllers/node_controller.go</c>, <c>pod_controller.go</c>): it registers its Node (InternalIP
/// 127.0.0.1, the port of its log endpoint, Ready, a heartbeat), binds every pod that no one has bound through
/// <c>pods/binding</c>, and runs each pod on its node as its scenario says (or, for a Kaniko executor container, as a
/// real build), writing <c>pods/status</c>. It serves the containers' logs at <c>/containerLogs/…</c> over HTTPS,
/// where the API server proxies <c>pods/{name}/log</c>. One <see cref="PodRun"/> per pod, ended when the pod is deleted.
/// </summary>
/// <param name="nodeName">The name of the Node it registers.</param>
internal sealed class Kubelet(string nodeName = Kubelet.NodeName) : IController
{
    /// <summary>The default name of the node.</summary>
    public const string NodeName = "local-node";

    /// <summary>How often the Node's Ready condition is renewed (the node lifecycle controller's grace period is 40 s).</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _confirmed = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Name => "kubelet";

    /// <inheritdoc/>
    public async Task RunAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var logger = context.LoggerFactory.CreateLogger(Name);
        var scenarios = new ScenarioResolver(await SimulationSettings.LoadScenarioFileAsync(context, cancellationToken).ConfigureAwait(false));
        var events = new EventRecorder(context.Store, context.Time, Name);
        await using var logServer = await KubeletLogServer.StartAsync(context.Logs, context.LoggerFactory, cancellationToken).ConfigureAwait(false);
        await RegisterNodeAsync(context, logServer.Port, cancellationToken).ConfigureAwait(false);
        context.Store.OnChange(BuiltInResources.Pod, (change, pod) => OnPod(context, scenarios, events, logger, change, pod, cancellationToken));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Heartbeat, context.Time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await context.Store.MutateAsync(BuiltInResources.Node, null, nodeName, node => SetReady(ObjectFields.Child(node, "status"), context.Time.GetUtcNow(), logServer.Port), status: true, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ApiException or HttpRequestException)
                {
                    // The Node was deleted (or the server is away): register it again.
                    logger.LogDebug(e, "Renewing node {Node} failed", nodeName);
                    await RegisterNodeAsync(context, logServer.Port, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The cluster is stopping; runs end with their linked tokens.
        }
    }

    private static bool SetReady(JsonObject status, DateTimeOffset now, int port)
    {
        var resources = new JsonObject { ["cpu"] = "64", ["memory"] = "256Gi", ["pods"] = "1000", ["ephemeral-storage"] = "1Ti" };
        status["capacity"] = resources.DeepClone();
        status["allocatable"] = resources;
        status["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" });
        status["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = port } };
        status["nodeInfo"] = new JsonObject
        {
            ["architecture"] = "amd64", ["operatingSystem"] = "linux", ["kubeletVersion"] = "v1.20.2-kaptain-simulated",
            ["kubeProxyVersion"] = "v1.20.2-kaptain-simulated", ["containerRuntimeVersion"] = "simulated://1",
            ["osImage"] = "Kaptain simulated node", ["kernelVersion"] = "simulated", ["machineID"] = string.Empty,
            ["systemUUID"] = string.Empty, ["bootID"] = string.Empty,
        };
        Conditions.Set(status, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now);
        Conditions.Find(status, "Ready")!["lastHeartbeatTime"] = ObjectFields.Timestamp(now);
        return true;
    }

    private async Task RegisterNodeAsync(OperatorContext context, int port, CancellationToken cancellationToken)
    {
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = nodeName,
                ["labels"] = new JsonObject
                {
                    ["kubernetes.io/hostname"] = nodeName, ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64",
                    ["kaptain.dev/simulated"] = "true",
                },
            },
            ["spec"] = new JsonObject(),
        };
        try
        {
            await context.Store.CreateAsync(BuiltInResources.Node, node, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Registered by an earlier run: its status (port) is renewed below.
        }

        await context.Store.MutateAsync(BuiltInResources.Node, null, nodeName, n => SetReady(ObjectFields.Child(n, "status"), context.Time.GetUtcNow(), port), status: true, cancellationToken).ConfigureAwait(false);
    }

    private void OnPod(OperatorContext context, ScenarioResolver scenarios, EventRecorder events, ILogger logger, WatchEventType change, JsonObject pod, CancellationToken cancellationToken)
    {
        var uid = ObjectFields.Uid(pod);
        if (change == WatchEventType.Deleted)
        {
            if (_runs.TryRemove(uid, out var ended))
            {
                ended.Cancel();
                ended.Dispose();
            }

            _confirmed.TryRemove(uid, out _);
            context.Logs.RemovePod(ObjectFields.Namespace(pod), ObjectFields.Name(pod));
            return;
        }

        var boundTo = ObjectFields.Text(pod["spec"]?["nodeName"]);
        if (ObjectFields.IsDeleting(pod) && boundTo == nodeName)
        {
            // Graceful deletion: stop the containers, then tell the API server they are gone, as the kubelet's status
            // manager does (pkg/kubelet/status/status_manager.go); without that the pod stays Terminating.
            if (_runs.TryRemove(uid, out var stopping))
            {
                stopping.Cancel();
                stopping.Dispose();
            }

            if (_confirmed.TryAdd(uid, 0))
            {
                _ = Task.Run(() => context.Store.ConfirmPodDeletedAsync(ObjectFields.Namespace(pod), ObjectFields.Name(pod), uid, cancellationToken), CancellationToken.None);
            }

            return;
        }

        if (_runs.ContainsKey(uid) || ObjectFields.IsDeleting(pod) || (boundTo is not null && boundTo != nodeName)
            || ObjectFields.Text(pod["status"]?["phase"]) is "Succeeded" or "Failed" or "Running")
        {
            return;
        }

        var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!_runs.TryAdd(uid, run))
        {
            run.Dispose();
            return;
        }

        var podRun = new PodRun(context, nodeName, scenarios, events, pod);
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await podRun.RunAsync(run.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (run.IsCancellationRequested)
                {
                    // The pod was deleted or the cluster stops.
                }
                catch (OperationCanceledException e)
                {
                    // Deleted meanwhile, or bound to another node.
                    logger.LogDebug("Pod {Namespace}/{Name} is not run here: {Reason}", ObjectFields.Namespace(pod), ObjectFields.Name(pod), e.Message);
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Simulating pod {Namespace}/{Name} failed", ObjectFields.Namespace(pod), ObjectFields.Name(pod));
                    await podRun.FailAfterError(e).ConfigureAwait(false);
                }
            },
            CancellationToken.None);
    }
}
