using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Operators;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// One pod on the simulated node, from Pending to its end: scheduling, container start, the scripted run (log lines
/// spread over its time, metrics for a Katib trial's pod, the exit), restarts with back-off as the restart policy
/// says, and the status and Events the kubelet writes on the way. A Kaniko executor container does a real build.
/// </summary>
internal sealed partial class PodRun
{
    private static int _lastAddress;

    private readonly OperatorContext _cluster;
    private readonly string _nodeName;
    private readonly ScenarioResolver _scenarios;
    private readonly EventRecorder _events;
    private readonly JsonObject _pod;
    private readonly string _ns;
    private readonly string _name;
    private readonly string[] _containers;
    private readonly string _restartPolicy;
    private readonly string _podIp;
    private readonly Dictionary<string, JsonObject> _lastStates = new(StringComparer.Ordinal);

    /// <summary>Prepares the run of a pod as first seen.</summary>
    public PodRun(OperatorContext cluster, string nodeName, ScenarioResolver scenarios, EventRecorder events, JsonObject pod)
    {
        _cluster = cluster;
        _nodeName = nodeName;
        _scenarios = scenarios;
        _events = events;
        _pod = pod;
        _ns = ObjectFields.Namespace(pod);
        _name = ObjectFields.Name(pod);
        _containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => ObjectFields.Text(c?["name"]) ?? "main").ToArray();
        _restartPolicy = ObjectFields.Text(pod["spec"]?["restartPolicy"]) ?? "Always";
        _podIp = $"10.244.{(Interlocked.Increment(ref _lastAddress) / 250) % 250}.{(_lastAddress % 250) + 2}";
    }

    private DateTimeOffset Now => _cluster.Time.GetUtcNow();

    private JsonNode? FirstContainer => (_pod["spec"]?["containers"] as JsonArray)?.FirstOrDefault();

    /// <summary>Runs the pod until it ends, stays Pending for good, or the token is cancelled (pod deleted).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var owners = await OwnersAsync(cancellationToken).ConfigureAwait(false);
        var kaniko = KanikoInvocation.IsKaniko(ObjectFields.Text(FirstContainer?["image"]), Args(FirstContainer));
        Scenario scenario;
        try
        {
            scenario = kaniko ? Scenario.Default : _scenarios.Resolve([new ScenarioSubject("Pod", _name, _pod, _pod), .. owners.Select(o => new ScenarioSubject(ObjectFields.Text(o["kind"]) ?? string.Empty, ObjectFields.Name(o), o, null))]);
        }
        catch (ScenarioFormatException e)
        {
            // The workload cannot be simulated: it fails at once, saying why, rather than doing something unasked.
            _events.Warning(_pod, "InvalidScenario", e.Message);
            await StartAsync(0, cancellationToken).ConfigureAwait(false);
            _cluster.Logs.Append(_ns, _name, _containers[0], e.Message);
            await FinishAsync(new Exit(1, "Error", e.Message), restartCount: 0, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (scenario.Outcome == ScenarioOutcome.Pending && !kaniko)
        {
            var message = scenario.Message ?? $"0/1 nodes are available: 1 {scenario.Reason}.";
            await UpdateStatus(status =>
            {
                status["phase"] = "Pending";
                Conditions.Set(status, "PodScheduled", "False", scenario.Reason, message, Now);
            });
            _events.Warning(_pod, "FailedScheduling", message);
            return;
        }

        await Task.Delay(SimulationSettings.StartDelay, _cluster.Time, cancellationToken).ConfigureAwait(false);
        await BindAsync(cancellationToken).ConfigureAwait(false);
        await UpdateStatus(status =>
        {
            status["phase"] = "Pending";
            status["hostIP"] = "127.0.0.1";
            status["qosClass"] ??= "BestEffort"; // admission sets it on a real server (from the resources)
            status["startTime"] = ObjectFields.Timestamp(Now);
            Conditions.Set(status, "PodScheduled", "True", null, null, Now);
            status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } }, ready: false, restartCount: 0);
        });
        _events.Normal(_pod, "Scheduled", $"Successfully assigned {_ns}/{_name} to {_nodeName}");
        if (scenario.Outcome == ScenarioOutcome.BadImage && !kaniko)
        {
            await PullFailsAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await RefreshInputsAsync(cancellationToken).ConfigureAwait(false);
        var inputs = ResolveInputs();
        if (inputs.Problem is { } problem)
        {
            await UpdateStatus(status => status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = problem.Reason, ["message"] = problem.Message } }, ready: false, restartCount: 0));
            _events.Warning(_pod, problem.EventReason, problem.EventMessage);
            return;
        }

        if (await RunStorageInitializerAsync(cancellationToken).ConfigureAwait(false) is { } initFailure)
        {
            // The init container fails on every try: the pod never starts (Init:CrashLoopBackOff on a real node).
            await UpdateStatus(status =>
            {
                status["initContainerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = StorageInitializer.ContainerName,
                    ["ready"] = false,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = initFailure } },
                    ["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error", ["message"] = initFailure } },
                });
                SetReady(status, false);
            });
            _events.Warning(_pod, "BackOff", $"Back-off restarting failed container {StorageInitializer.ContainerName} in pod {_name}_{_ns}");
            return;
        }

        var run = PriorFailures(owners);
        for (var restartCount = 0; ; restartCount++)
        {
            await StartAsync(restartCount, cancellationToken).ConfigureAwait(false);
            var exit = kaniko
                ? await RunKanikoAsync(inputs, cancellationToken).ConfigureAwait(false)
                : await RunScenarioAsync(scenario, run, owners, inputs.Environment, cancellationToken).ConfigureAwait(false);
            foreach (var container in _containers)
            {
                _cluster.Logs.Terminate(_ns, _name, container);
            }

            var restart = _restartPolicy == "Always" || (_restartPolicy == "OnFailure" && exit.Code != 0);
            if (!restart)
            {
                await FinishAsync(exit, restartCount, cancellationToken).ConfigureAwait(false);
                return;
            }

            var backOff = TimeSpan.FromTicks(Math.Min(SimulationSettings.MaxBackOff.Ticks, SimulationSettings.FirstBackOff.Ticks << Math.Min(restartCount, 10)));
            foreach (var container in _containers)
            {
                _lastStates[container] = new JsonObject { ["terminated"] = Terminated(exit, container) };
            }

            await UpdateStatus(status =>
            {
                status["phase"] = "Running";
                SetReady(status, false);
                status["containerStatuses"] = ContainerStatuses(
                    c => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off {backOff.TotalSeconds:0.#}s restarting failed container={c} pod={_name}_{_ns}" } },
                    ready: false,
                    restartCount: restartCount + 1);
            });
            _events.Warning(_pod, "BackOff", $"Back-off restarting failed container {_containers[0]} in pod {_name}_{_ns}");
            await Task.Delay(backOff, _cluster.Time, cancellationToken).ConfigureAwait(false);
            foreach (var container in _containers)
            {
                _cluster.Logs.Restart(_ns, _name, container);
            }

            run++;
        }
    }

    /// <summary>An image that cannot be pulled, as the kubelet reports it: ErrImagePull on the first try, then
    /// ImagePullBackOff, with a Failed and a BackOff Event; the pod stays Pending.</summary>
    private async Task PullFailsAsync(CancellationToken cancellationToken)
    {
        var image = ObjectFields.Text(FirstContainer?["image"]) ?? string.Empty;
        var pullError = $"rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found";
        await UpdateStatus(status => status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ErrImagePull", ["message"] = pullError } }, ready: false, restartCount: 0));
        _events.Normal(_pod, "Pulling", $"Pulling image \"{image}\"");
        _events.Warning(_pod, "Failed", $"Failed to pull image \"{image}\": {pullError}");
        _events.Warning(_pod, "Failed", "Error: ErrImagePull");
        await Task.Delay(SimulationSettings.FirstBackOff, _cluster.Time, cancellationToken).ConfigureAwait(false);
        await UpdateStatus(status => status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = $"Back-off pulling image \"{image}\"" } }, ready: false, restartCount: 0));
        _events.Normal(_pod, "BackOff", $"Back-off pulling image \"{image}\"");
        _events.Warning(_pod, "Failed", "Error: ImagePullBackOff");
    }

    /// <summary>Ends a pod whose simulation broke (a bug, not a scenario): Failed with reason <c>SimulationError</c> and
    /// a message naming the error, so that whoever waits for it sees an end instead of a pod running forever, and a
    /// client's failure report (which quotes a pod's <c>status.reason</c> and <c>status.message</c>, as a real node's
    /// eviction sets them) says what broke.</summary>
    public async Task FailAfterError(Exception error)
    {
        try
        {
            await UpdateStatus(status =>
            {
                status["phase"] = "Failed";
                status["reason"] = "SimulationError";
                status["message"] = $"The local cluster could not simulate this pod: {error.GetType().Name}: {error.Message}";
                SetReady(status, false, "PodCompleted");
            });
        }
        catch (Exception e) when (e is OperationCanceledException or ApiException or HttpRequestException)
        {
            // The pod is gone already, or the API server is.
        }
    }

    private static IReadOnlyList<string> Args(JsonNode? container) =>
        (container?["args"] as JsonArray)?.Select(a => ObjectFields.Text(a) ?? string.Empty).ToList() ?? [];

    private async Task StartAsync(int restartCount, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var container in _containers)
        {
            _cluster.Logs.StartContainer(_ns, _name, container);
        }

        var startedAt = ObjectFields.Timestamp(Now);
        _startedAt ??= startedAt;
        await UpdateStatus(status =>
        {
            status["phase"] = "Running";
            status["podIP"] = _podIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = _podIp });
            Conditions.Set(status, "PodScheduled", "True", null, null, Now);
            SetReady(status, true);
            status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = startedAt } }, ready: true, restartCount);
        });
        if (restartCount == 0)
        {
            foreach (var container in (_pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                _events.Normal(_pod, "Pulled", $"Container image \"{ObjectFields.Text(container["image"])}\" already present on machine");
                _events.Normal(_pod, "Created", $"Created container {ObjectFields.Text(container["name"])}");
                _events.Normal(_pod, "Started", $"Started container {ObjectFields.Text(container["name"])}");
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task FinishAsync(Exit exit, int restartCount, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var terminated = _containers.Distinct(StringComparer.Ordinal).ToDictionary(c => c, c => Terminated(exit, c), StringComparer.Ordinal);
        await UpdateStatus(status =>
        {
            status["phase"] = exit.Code == 0 ? "Succeeded" : "Failed";
            SetReady(status, false, "PodCompleted");
            status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["terminated"] = terminated[c].DeepClone() }, ready: false, restartCount);
            if (exit.Code != 0 && exit.Reason is "OOMKilled" or "Evicted" or "DeadlineExceeded")
            {
                status["reason"] = exit.Reason;
            }
        });
        if (exit.Code != 0)
        {
            _events.Warning(_pod, "Failed", $"Container {_containers[0]} failed: exit code {exit.Code} ({exit.Reason}){(exit.Message is null ? string.Empty : ": " + exit.Message)}");
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task<Exit> RunScenarioAsync(Scenario scenario, int run, IReadOnlyList<JsonObject> owners, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var fails = scenario.FailsOnRun(run);
        var lines = new List<string>(scenario.Logs);
        var serving = _restartPolicy == "Always" && !fails;
        if (!fails && !serving && scenario.Outcome != ScenarioOutcome.Hang && owners.FirstOrDefault(o => ObjectFields.Text(o["kind"]) == "Trial") is { } trial)
        {
            try
            {
                lines.AddRange(TrialMetricLines(scenario, trial));
            }
            catch (ScenarioFormatException e)
            {
                lines.Add(e.Message);
                fails = true;
            }
        }

        if (fails && scenario.Message is { } message)
        {
            lines.Add(message);
        }

        var interval = TimeSpan.FromTicks(scenario.After.Ticks / (lines.Count + 1));
        foreach (var line in lines)
        {
            await Task.Delay(interval, _cluster.Time, cancellationToken).ConfigureAwait(false);
            _cluster.Logs.Append(_ns, _name, _containers[0], line);
        }

        if (scenario.Outcome == ScenarioOutcome.Hang || serving)
        {
            // A hung workload, or a server (restartPolicy Always) that started well: it runs until the pod is deleted.
            await Task.Delay(Timeout.InfiniteTimeSpan, _cluster.Time, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(interval, _cluster.Time, cancellationToken).ConfigureAwait(false);
        if (fails)
        {
            return new Exit(scenario.ExitCode == 0 ? 1 : scenario.ExitCode, scenario.Reason, scenario.Message);
        }

        // A training script that trained well saves its model to KAPTAIN_MODEL_URI; an upload that fails fails the run.
        if (await WriteTrainedModelAsync(owners, environment, cancellationToken).ConfigureAwait(false) is { } uploadFailure)
        {
            _cluster.Logs.Append(_ns, _name, _containers[0], uploadFailure);
            return new Exit(1, "Error", uploadFailure);
        }

        return new Exit(0, "Completed", null);
    }

    /// <summary>The pod's controller, its controller, and so on (a TFJob's Trial, the Trial's Experiment).</summary>
    private async Task<List<JsonObject>> OwnersAsync(CancellationToken cancellationToken)
    {
        var owners = new List<JsonObject>();
        JsonNode current = _pod;
        for (var depth = 0; depth < 4 && ObjectFields.ControllerOf(current) is { } reference; depth++)
        {
            var type = _cluster.Resources.FindByKind(ObjectFields.Text(reference["apiVersion"]) ?? string.Empty, ObjectFields.Text(reference["kind"]) ?? string.Empty);
            var ownerName = ObjectFields.Text(reference["name"]) ?? string.Empty;
            var owner = type is null ? null : _cluster.Store.TryGet(type, type.Namespaced ? _ns : null, ownerName);
            if (type is not null && owner is null)
            {
                // Created a moment ago by someone else: the cache may not have it yet.
                owner = await _cluster.Store.ReadAsync(type, type.Namespaced ? _ns : null, ownerName, cancellationToken).ConfigureAwait(false);
            }

            if (owner is null)
            {
                break;
            }

            owners.Add(owner);
            current = owner;
        }

        return owners;
    }

    /// <summary>How many runs of this workload failed before this pod (failed sibling pods of the same controller), so
    /// that <c>crashloop restarts=N</c> counts across the pods a Job replaces.</summary>
    private int PriorFailures(IReadOnlyList<JsonObject> owners)
    {
        var recreated = (int)ObjectFields.Integer(_pod["metadata"]?["annotations"]?[TrainingJobController.PriorFailuresAnnotation], 0);
        if (owners.Count == 0)
        {
            return recreated;
        }

        var ownerUid = ObjectFields.Uid(owners[0]);
        return recreated + _cluster.Store.List(BuiltInResources.Pod, _ns).Items
            .Count(p => ObjectFields.IsControlledBy(p, ownerUid) && ObjectFields.Text(p["status"]?["phase"]) == "Failed" && ObjectFields.Uid(p) != ObjectFields.Uid(_pod));
    }

    /// <summary>Binds the pod to this kubelet's node through <c>pods/binding</c> unless it is bound already (by a
    /// scheduler); a pod bound to another node is not this kubelet's to run.</summary>
    private async Task BindAsync(CancellationToken cancellationToken)
    {
        var bound = ObjectFields.Text(_pod["spec"]?["nodeName"]);
        if (bound is null)
        {
            try
            {
                await _cluster.Store.BindAsync(_ns, _name, _nodeName, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ApiException e) when (e.Code == 404)
            {
                throw new OperationCanceledException("the pod was deleted");
            }
            catch (ApiException e) when (e.Code == 409)
            {
                bound = ObjectFields.Text((await _cluster.Store.ReadAsync(BuiltInResources.Pod, _ns, _name, cancellationToken).ConfigureAwait(false))?["spec"]?["nodeName"]);
            }
        }

        if (bound != _nodeName)
        {
            throw new OperationCanceledException($"the pod runs on node {bound}");
        }
    }

    private sealed record Exit(int Code, string Reason, string? Message);
}
