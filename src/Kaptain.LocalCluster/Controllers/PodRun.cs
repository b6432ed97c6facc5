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
internal sealed class PodRun
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
                : await RunScenarioAsync(scenario, run, owners, cancellationToken).ConfigureAwait(false);
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
            var terminated = Terminated(exit);
            foreach (var container in _containers)
            {
                _lastStates[container] = new JsonObject { ["terminated"] = terminated.DeepClone() };
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

    /// <summary>A default metric value for a trial whose scenario gives no formula: made up, but the same for the same
    /// parameters, so that runs repeat.</summary>
    internal static double DefaultMetricValue(string metric, IReadOnlyDictionary<string, string> parameters)
    {
        var text = metric + "|" + string.Join(",", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var hash = SuggestionGenerator.StableSeed(text);
        return Math.Round(0.5 + ((hash % 4500) / 10000.0), 4);
    }

    /// <summary>Ends a pod whose simulation broke (a bug, not a scenario): Failed with reason <c>SimulationError</c>,
    /// so that whoever waits for it sees an end instead of a pod running forever.</summary>
    public async Task FailAfterError(Exception error)
    {
        try
        {
            await UpdateStatus(status =>
            {
                status["phase"] = "Failed";
                status["reason"] = "SimulationError";
                status["message"] = $"The local cluster could not simulate this pod: {error.Message}";
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
        var terminated = Terminated(exit);
        await UpdateStatus(status =>
        {
            status["phase"] = exit.Code == 0 ? "Succeeded" : "Failed";
            SetReady(status, false, "PodCompleted");
            status["containerStatuses"] = ContainerStatuses(c => new JsonObject { ["terminated"] = terminated.DeepClone() }, ready: false, restartCount);
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

    private JsonObject Terminated(Exit exit) => new()
    {
        ["exitCode"] = exit.Code,
        ["reason"] = exit.Code == 0 ? "Completed" : exit.Reason,
        ["message"] = exit.Message,
        ["startedAt"] = ObjectFields.Timestamp(Now),
        ["finishedAt"] = ObjectFields.Timestamp(Now),
        ["containerID"] = $"containerd://{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(_name + _containers[0])))}",
    };

    private async Task<Exit> RunScenarioAsync(Scenario scenario, int run, IReadOnlyList<JsonObject> owners, CancellationToken cancellationToken)
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
        return fails
            ? new Exit(scenario.ExitCode == 0 ? 1 : scenario.ExitCode, scenario.Reason, scenario.Message)
            : new Exit(0, "Completed", null);
    }

    private static IEnumerable<string> TrialMetricLines(Scenario scenario, JsonObject trial)
    {
        var parameters = (trial["spec"]?["parameterAssignments"] as JsonArray ?? [])
            .Where(a => ObjectFields.Text(a?["name"]) is not null)
            .ToDictionary(a => ObjectFields.Text(a!["name"])!, a => ObjectFields.Text(a!["value"]) ?? string.Empty, StringComparer.Ordinal);
        if (scenario.Metrics.Count > 0)
        {
            return scenario.Metrics.Select(m => $"{m.Name}={m.Formula.Evaluate(parameters).ToString("G6", CultureInfo.InvariantCulture)}").ToList();
        }

        var objective = trial["spec"]?["objective"];
        var names = new[] { ObjectFields.Text(objective?["objectiveMetricName"]) }
            .Concat((objective?["additionalMetricNames"] as JsonArray ?? []).Select(ObjectFields.Text))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        return names.Select(n => $"{n}={DefaultMetricValue(n, parameters).ToString(CultureInfo.InvariantCulture)}").ToList();
    }

    private async Task<Exit> RunKanikoAsync(PodInputs inputs, CancellationToken cancellationToken)
    {
        KanikoInvocation invocation;
        try
        {
            invocation = KanikoInvocation.Parse(Args(FirstContainer), inputs.Environment);
        }
        catch (KanikoFailure failure)
        {
            _cluster.Logs.Append(_ns, _name, _containers[0], failure.Message);
            return new Exit(1, "Error", null);
        }

        var build = new KanikoBuild(invocation, inputs.DockerConfig, _cluster.Time);
        var result = await build.RunAsync(
            (line, _) =>
            {
                _cluster.Logs.Append(_ns, _name, _containers[0], line);
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);

        // --digest-file=/dev/termination-log puts the digest in the container's termination message, as on a real node.
        return result.Succeeded
            ? new Exit(0, "Completed", invocation.DigestFile == "/dev/termination-log" ? result.Digest : null)
            : new Exit(1, "Error", result.Error);
    }

    /// <summary>The environment of the first container and the mounted docker config, resolved from Secrets and
    /// ConfigMaps as the kubelet does; a missing one keeps the pod from starting, as on a real node.</summary>
    private PodInputs ResolveInputs()
    {
        var environment = ContainerEnvironment.Resolve(_cluster.Store, _ns, FirstContainer);
        if (environment.Problem is { } problem)
        {
            return PodInputs.Failed("CreateContainerConfigError", problem, "Failed", $"Error: {problem}");
        }

        string? dockerConfig = null;
        var mount = (FirstContainer?["volumeMounts"] as JsonArray ?? []).FirstOrDefault(m => ObjectFields.Text(m?["mountPath"])?.TrimEnd('/') == "/kaniko/.docker");
        var volume = mount is null ? null : (_pod["spec"]?["volumes"] as JsonArray ?? []).FirstOrDefault(v => ObjectFields.Text(v?["name"]) == ObjectFields.Text(mount["name"]));
        if (volume?["secret"] is { } secretVolume)
        {
            var secretName = ObjectFields.Text(secretVolume["secretName"]) ?? string.Empty;
            var data = ContainerEnvironment.SecretData(_cluster.Store, _ns, secretName);
            if (data is null)
            {
                return PodInputs.Failed("ContainerCreating", null, "FailedMount", $"MountVolume.SetUp failed for volume \"{ObjectFields.Text(volume["name"])}\" : secret \"{secretName}\" not found");
            }

            // The file config.json exists when an item projects a key to it, or without items when a key is named so.
            var items = secretVolume["items"] as JsonArray;
            var key = items is null
                ? "config.json"
                : items.Where(i => ObjectFields.Text(i?["path"]) == "config.json").Select(i => ObjectFields.Text(i?["key"])).FirstOrDefault();
            if (key is not null)
            {
                dockerConfig = data.GetValueOrDefault(key);
            }
        }

        return new PodInputs(environment.Variables, dockerConfig, null);
    }

    /// <summary>Runs KServe's storage-initializer init container, when the pod has one: a real S3 check of the model.
    /// Null when it succeeded (or there is none), else the line it printed.</summary>
    private async Task<string?> RunStorageInitializerAsync(CancellationToken cancellationToken)
    {
        var init = (_pod["spec"]?["initContainers"] as JsonArray ?? []).FirstOrDefault(c => ObjectFields.Text(c?["name"]) == StorageInitializer.ContainerName);
        if (init is null)
        {
            return null;
        }

        var environment = ContainerEnvironment.Resolve(_cluster.Store, _ns, init);
        if (environment.Problem is { } problem)
        {
            return $"Error: {problem}";
        }

        var storageUri = (init["args"] as JsonArray)?.Select(ObjectFields.Text).FirstOrDefault() ?? string.Empty;
        _cluster.Logs.StartContainer(_ns, _name, StorageInitializer.ContainerName);
        var failure = await StorageInitializer.CheckAsync(storageUri, environment.Variables, cancellationToken).ConfigureAwait(false);
        _cluster.Logs.Append(_ns, _name, StorageInitializer.ContainerName, failure ?? $"Successfully copied {storageUri} to /mnt/models");
        _cluster.Logs.Terminate(_ns, _name, StorageInitializer.ContainerName);
        return failure;
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

    /// <summary>Reads the Secrets and ConfigMaps the pod refers to from the server, as the kubelet does before it
    /// starts the containers (they may have been created a moment before the pod).</summary>
    private async Task RefreshInputsAsync(CancellationToken cancellationToken)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in (_pod["spec"]?["containers"] as JsonArray ?? []).Concat(_pod["spec"]?["initContainers"] as JsonArray ?? []))
        {
            foreach (var env in container?["env"] as JsonArray ?? [])
            {
                if (ObjectFields.Text(env?["valueFrom"]?["secretKeyRef"]?["name"]) is { } secret) secrets.Add(secret);
                if (ObjectFields.Text(env?["valueFrom"]?["configMapKeyRef"]?["name"]) is { } configMap) configMaps.Add(configMap);
            }

            foreach (var source in container?["envFrom"] as JsonArray ?? [])
            {
                if (ObjectFields.Text(source?["secretRef"]?["name"]) is { } secret) secrets.Add(secret);
                if (ObjectFields.Text(source?["configMapRef"]?["name"]) is { } configMap) configMaps.Add(configMap);
            }
        }

        foreach (var volume in _pod["spec"]?["volumes"] as JsonArray ?? [])
        {
            if (ObjectFields.Text(volume?["secret"]?["secretName"]) is { } secret) secrets.Add(secret);
            if (ObjectFields.Text(volume?["configMap"]?["name"]) is { } configMap) configMaps.Add(configMap);
        }

        foreach (var secret in secrets)
        {
            await _cluster.Store.ReadAsync(BuiltInResources.Secret, _ns, secret, cancellationToken).ConfigureAwait(false);
        }

        foreach (var configMap in configMaps)
        {
            await _cluster.Store.ReadAsync(BuiltInResources.ConfigMap, _ns, configMap, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpdateStatus(Action<JsonObject> update)
    {
        try
        {
            await _cluster.Store.MutateAsync(
                BuiltInResources.Pod,
                _ns,
                _name,
                pod =>
                {
                    var before = pod["status"]?.DeepClone();
                    update(ObjectFields.Child(pod, "status"));
                    return !ObjectFields.SameJson(before, pod["status"]);
                },
                status: true).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            throw new OperationCanceledException("the pod was deleted");
        }
    }

    private void SetReady(JsonObject status, bool ready, string? notReadyReason = "ContainersNotReady")
    {
        Conditions.Set(status, "Initialized", "True", null, null, Now);
        var value = ready ? "True" : "False";
        var reason = ready ? null : notReadyReason;
        var message = ready || reason == "PodCompleted" ? null : $"containers with unready status: [{string.Join(" ", _containers)}]";
        Conditions.Set(status, "ContainersReady", value, reason, message, Now);
        Conditions.Set(status, "Ready", value, reason, message, Now);
    }

    private JsonArray ContainerStatuses(Func<string, JsonObject> state, bool ready, int restartCount)
    {
        var statuses = new JsonArray();
        foreach (var container in (_pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = ObjectFields.Text(container["name"]) ?? "main";
            var image = ObjectFields.Text(container["image"]) ?? string.Empty;
            var current = state(name);
            statuses.Add(new JsonObject
            {
                ["name"] = name,
                ["image"] = image,
                ["imageID"] = $"{image}@sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(image)))}",
                ["ready"] = ready,
                ["started"] = current.ContainsKey("running"),
                ["restartCount"] = restartCount,
                ["state"] = current,
                ["lastState"] = _lastStates.TryGetValue(name, out var last) ? last.DeepClone() : new JsonObject(),
            });
        }

        return statuses;
    }

    private sealed record Exit(int Code, string Reason, string? Message);

    private sealed record PodInputs(IReadOnlyDictionary<string, string> Environment, string? DockerConfig, PodInputs.Blocker? Problem)
    {
        public static PodInputs Failed(string reason, string? message, string eventReason, string eventMessage) =>
            new(new Dictionary<string, string>(), null, new Blocker(reason, message, eventReason, eventMessage));

        public sealed record Blocker(string Reason, string? Message, string EventReason, string EventMessage);
    }
}
