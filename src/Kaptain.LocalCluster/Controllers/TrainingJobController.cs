using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The Kubeflow training operator for one kind (kubeflow.org/v1 TFJob or PyTorchJob): one pod per replica, named
/// <c>{job}-{type}-{index}</c> and labelled as the operator labels them, the conditions Created, Running, Restarting,
/// Succeeded and Failed with the operator's reasons, <c>replicaStatuses</c>, and the replica restart policies (Never,
/// OnFailure, Always, and ExitCode: a retryable exit code recreates the pod, a permanent one fails the job).
/// </summary>
internal sealed class TrainingJobController : ReconcilingController
{
    /// <summary>The label with the job name.</summary>
    public const string JobNameLabel = "training.kubeflow.org/job-name";

    /// <summary>The label with the replica type, lowercased.</summary>
    public const string ReplicaTypeLabel = "training.kubeflow.org/replica-type";

    /// <summary>The label with the replica index.</summary>
    public const string ReplicaIndexLabel = "training.kubeflow.org/replica-index";

    /// <summary>The annotation that tells the kubelet how many runs of a recreated replica failed before it, so that a
    /// scenario's <c>crashloop restarts=N</c> counts across the pods the operator recreates.</summary>
    public const string PriorFailuresAnnotation = "local.kaptain.build/prior-failures";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _recreated = new(StringComparer.Ordinal);
    private readonly string _kind;
    private readonly string _specsField;
    private readonly string _operatorName;
    private readonly string[] _typeOrder;
    private readonly string[] _leaderTypes;
    private readonly string _defaultContainer;
    private readonly int _defaultPort;

    private TrainingJobController(string kind, string specsField, string operatorName, string[] typeOrder, string[] leaderTypes, string defaultContainer, int defaultPort)
    {
        _kind = kind;
        _specsField = specsField;
        _operatorName = operatorName;
        _typeOrder = typeOrder;
        _leaderTypes = leaderTypes;
        _defaultContainer = defaultContainer;
        _defaultPort = defaultPort;
    }

    /// <inheritdoc/>
    public override string Name => _operatorName;

    /// <summary>The TFJob controller.</summary>
    public static TrainingJobController ForTFJob() =>
        new("TFJob", "tfReplicaSpecs", "tfjob-controller", ["Chief", "Master", "PS", "Worker", "Evaluator"], ["Chief", "Master"], "tensorflow", 2222);

    /// <summary>The PyTorchJob controller.</summary>
    public static TrainingJobController ForPyTorchJob() =>
        new("PyTorchJob", "pytorchReplicaSpecs", "pytorchjob-controller", ["Master", "Worker"], ["Master"], "pytorch", 23456);

    private ResourceType? JobType => Cluster.Resources.FindByKind("kubeflow.org/v1", _kind);

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
    [
        (JobType, Self),
        (BuiltInResources.Pod, OwnerOfKind(_kind)),
    ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var type = JobType!;
        var job = Store.TryGet(type, ns, name);
        if (job is null || ObjectFields.IsDeleting(job))
        {
            return;
        }

        var status = job["status"];
        var runPolicy = job["spec"]?["runPolicy"];
        if (Conditions.IsTrue(status, "Succeeded") || Conditions.IsTrue(status, "Failed"))
        {
            await ExpireAfterTtl(type, job, runPolicy, cancellationToken);
            return;
        }

        var replicaSpecs = (job["spec"]?[_specsField] as JsonObject ?? [])
            .OrderBy(r => Array.IndexOf(_typeOrder, r.Key) is var i && i < 0 ? int.MaxValue : i)
            .ToList();
        var uid = ObjectFields.Uid(job);
        var pods = Store.List(BuiltInResources.Pod, ns).Items.Where(p => ObjectFields.IsControlledBy(p, uid)).ToDictionary(ObjectFields.Name, StringComparer.Ordinal);
        var replicaStatuses = new JsonObject();
        var failures = new List<string>();
        var restarting = new List<string>();
        var anyRunning = false;
        var restarts = 0;
        var leaderSucceeded = (bool?)null;
        var allWorkersSucceeded = true;
        var worker0Succeeded = false;
        foreach (var (replicaType, replicaSpec) in replicaSpecs)
        {
            var replicas = (int)ObjectFields.Integer(replicaSpec?["replicas"], 1);
            var policy = ObjectFields.Text(replicaSpec?["restartPolicy"]) ?? "Never";
            int active = 0, succeeded = 0, failed = 0;
            for (var index = 0; index < replicas; index++)
            {
                var podName = $"{name}-{replicaType.ToLowerInvariant()}-{index.ToString(CultureInfo.InvariantCulture)}";
                if (Store.TryGet(BuiltInResources.Service, ns, podName) is null)
                {
                    await Tolerate(() => Store.CreateAsync(BuiltInResources.Service, HeadlessService(job, replicaType, index, podName)), 409);
                }

                if (!pods.TryGetValue(podName, out var pod))
                {
                    await Tolerate(() => Store.CreateAsync(BuiltInResources.Pod, Pod(job, replicaSpecs, replicaType, replicaSpec, index, podName, policy)), 409);
                    Events.Normal(job, "SuccessfulCreatePod", $"Created pod: {podName}");
                    active++;
                    continue;
                }

                restarts += (pod["status"]?["containerStatuses"] as JsonArray ?? []).Sum(c => (int)ObjectFields.Integer(c?["restartCount"], 0));
                switch (ObjectFields.Text(pod["status"]?["phase"]))
                {
                    case "Succeeded":
                        succeeded++;
                        break;
                    case "Failed" when policy == "ExitCode" && IsRetryable(ExitCode(pod)):
                        // The operator deletes the pod and the next reconcile creates it again.
                        _recreated.AddOrUpdate($"{uid}/{podName}", 1, (_, count) => count + 1);
                        await Tolerate(() => Store.DeleteAsync(BuiltInResources.Pod, ns, podName), 404);
                        restarting.Add(replicaType);
                        restarts++;
                        active++;
                        break;
                    case "Failed":
                        failed++;
                        break;
                    case "Running":
                        anyRunning = true;
                        active++;
                        break;
                    default:
                        active++;
                        break;
                }

                if (index == 0 && replicaType == "Worker" && ObjectFields.Text(pod["status"]?["phase"]) == "Succeeded")
                {
                    worker0Succeeded = true;
                }
            }

            if (failed > 0)
            {
                failures.Add($"{failed} {replicaType} replica(s) failed");
            }

            if (_leaderTypes.Contains(replicaType))
            {
                leaderSucceeded = succeeded == replicas;
            }

            if (replicaType == "Worker" && succeeded < replicas)
            {
                allWorkersSucceeded = false;
            }

            replicaStatuses[replicaType] = new JsonObject
            {
                ["active"] = active,
                ["succeeded"] = succeeded,
                ["failed"] = failed,
                ["selector"] = $"{JobNameLabel}={name},training.kubeflow.org/operator-name={_operatorName},{ReplicaTypeLabel}={replicaType.ToLowerInvariant()}",
            };
        }

        var successPolicy = ObjectFields.Text(job["spec"]?["successPolicy"]);
        var succeededJob = replicaSpecs.Count > 0 && (leaderSucceeded
            ?? (_kind == "TFJob" && successPolicy != "AllWorkers" ? worker0Succeeded : allWorkersSucceeded));
        var backoffLimit = runPolicy?["backoffLimit"] is null ? (int?)null : (int)ObjectFields.Integer(runPolicy["backoffLimit"], 0);
        string? failMessage = failures.Count > 0
            ? $"{_kind} {ns}/{name} has failed because {string.Join(", ", failures)}."
            : backoffLimit is { } limit && restarts > limit
                ? $"{_kind} {ns}/{name} has failed because it has reached the specified backoff limit"
                : null;
        var finished = succeededJob || failMessage is not null;
        if (finished)
        {
            await CleanPods(ns, runPolicy, pods.Values);
            if (failMessage is not null)
            {
                Events.Warning(job, $"{_kind}Failed", failMessage);
            }
            else
            {
                Events.Normal(job, $"{_kind}Succeeded", $"{_kind} {ns}/{name} successfully completed.");
            }
        }

        await MutateStatus(type, ns, name, jobStatus =>
        {
            var before = jobStatus.DeepClone();
            jobStatus["replicaStatuses"] = replicaStatuses;
            jobStatus["startTime"] ??= ObjectFields.Timestamp(Now);
            Conditions.Set(jobStatus, "Created", "True", $"{_kind}Created", $"{_kind} {name} is created.", Now, withUpdateTime: true);
            if (restarting.Count > 0 && !finished)
            {
                Conditions.Set(jobStatus, "Restarting", "True", $"{_kind}Restarting", $"{_kind} {name} is restarting because {string.Join(", ", restarting.Select(r => $"1 {r} replica(s)"))} failed.", Now, withUpdateTime: true);
            }

            if (anyRunning && !finished)
            {
                Conditions.Set(jobStatus, "Running", "True", $"{_kind}Running", $"{_kind} {ns}/{name} is running.", Now, withUpdateTime: true);
            }

            if (succeededJob)
            {
                SetRunningFalse(jobStatus, $"{_kind}Succeeded", $"{_kind} {ns}/{name} successfully completed.");
                Conditions.Set(jobStatus, "Succeeded", "True", $"{_kind}Succeeded", $"{_kind} {ns}/{name} successfully completed.", Now, withUpdateTime: true);
                jobStatus["completionTime"] = ObjectFields.Timestamp(Now);
            }
            else if (failMessage is not null)
            {
                SetRunningFalse(jobStatus, $"{_kind}Failed", failMessage);
                Conditions.Set(jobStatus, "Failed", "True", $"{_kind}Failed", failMessage, Now, withUpdateTime: true);
                jobStatus["completionTime"] = ObjectFields.Timestamp(Now);
            }

            if (ObjectFields.SameJson(before, jobStatus))
            {
                return false;
            }

            jobStatus["lastReconcileTime"] = ObjectFields.Timestamp(Now);
            return true;
        });
        return;
    }

    /// <summary>Exit codes the operator treats as retryable under ExitCode: killed by a signal (128 + n), except the
    /// permanent ones (1, 2, 126, 127, 128, 139).</summary>
    private static bool IsRetryable(int exitCode) => exitCode > 128 && exitCode != 139;

    private static int ExitCode(JsonNode pod) =>
        (int)ObjectFields.Integer((pod["status"]?["containerStatuses"] as JsonArray)?.FirstOrDefault()?["state"]?["terminated"]?["exitCode"], 1);

    private void SetRunningFalse(JsonObject status, string reason, string message)
    {
        if (Conditions.Find(status, "Running") is not null)
        {
            Conditions.Set(status, "Running", "False", reason, message, Now, withUpdateTime: true);
        }
    }

    private async Task CleanPods(string ns, JsonNode? runPolicy, IEnumerable<JsonObject> pods)
    {
        var policy = ObjectFields.Text(runPolicy?["cleanPodPolicy"]) ?? "None";
        foreach (var pod in pods)
        {
            var phase = ObjectFields.Text(pod["status"]?["phase"]);
            if (policy == "All" || (policy == "Running" && phase is not ("Succeeded" or "Failed")))
            {
                await Tolerate(() => Store.DeleteAsync(BuiltInResources.Pod, ns, ObjectFields.Name(pod)), 404);
            }
        }
    }

    private JsonObject Pod(JsonObject job, List<KeyValuePair<string, JsonNode?>> replicaSpecs, string replicaType, JsonNode? replicaSpec, int index, string podName, string policy)
    {
        var name = ObjectFields.Name(job);
        var ns = ObjectFields.Namespace(job);
        var template = replicaSpec?["template"]?.DeepClone() as JsonObject ?? new JsonObject();
        var metadata = ObjectFields.Metadata(template);
        metadata["name"] = podName;
        metadata["namespace"] = ns;
        metadata.Remove("generateName");
        metadata["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(job));
        if (_recreated.TryGetValue($"{ObjectFields.Uid(job)}/{podName}", out var priorFailures))
        {
            ObjectFields.Child(metadata, "annotations")[PriorFailuresAnnotation] = priorFailures.ToString(CultureInfo.InvariantCulture);
        }

        var labels = ObjectFields.Child(metadata, "labels");
        labels[JobNameLabel] = name;
        labels["training.kubeflow.org/operator-name"] = _operatorName;
        labels[ReplicaTypeLabel] = replicaType.ToLowerInvariant();
        labels[ReplicaIndexLabel] = index.ToString(CultureInfo.InvariantCulture);
        if (_leaderTypes.Contains(replicaType))
        {
            labels["training.kubeflow.org/job-role"] = "master";
        }

        var spec = ObjectFields.Child(template, "spec");
        spec["restartPolicy"] = policy == "ExitCode" ? "Never" : policy;
        spec["hostname"] = podName;
        spec["subdomain"] = name;
        var containers = spec["containers"] as JsonArray ?? [];
        var main = containers.OfType<JsonObject>().FirstOrDefault(c => ObjectFields.Text(c["name"]) == _defaultContainer) ?? containers.OfType<JsonObject>().FirstOrDefault();
        if (main is not null)
        {
            var env = main["env"] as JsonArray ?? (JsonArray)(main["env"] = new JsonArray());
            foreach (var (key, value) in DistributedEnvironment(name, ns, replicaSpecs, replicaType, index))
            {
                if (!env.Any(e => ObjectFields.Text(e?["name"]) == key))
                {
                    env.Add(new JsonObject { ["name"] = key, ["value"] = value });
                }
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata.DeepClone(),
            ["spec"] = spec.DeepClone(),
        };
    }

    /// <summary>
    /// The headless Service the operator creates for each replica, named like its pod, so that the replicas reach each
    /// other by name (TF_CONFIG, MASTER_ADDR); owned by the job, so it goes with it (kubeflow/training-operator
    /// pkg/controller.v1/common/service.go, <c>CreateNewService</c>: <c>ClusterIP: None</c>, the replica's labels as
    /// selector, the default port, a controller reference to the job).
    /// </summary>
    private JsonObject HeadlessService(JsonObject job, string replicaType, int index, string podName)
    {
        var selector = new JsonObject
        {
            [JobNameLabel] = ObjectFields.Name(job),
            ["training.kubeflow.org/operator-name"] = _operatorName,
            [ReplicaTypeLabel] = replicaType.ToLowerInvariant(),
            [ReplicaIndexLabel] = index.ToString(CultureInfo.InvariantCulture),
        };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject
            {
                ["name"] = podName,
                ["namespace"] = ObjectFields.Namespace(job),
                ["labels"] = selector.DeepClone(),
                ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(job)),
            },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "None",
                ["selector"] = selector,
                ["ports"] = new JsonArray(new JsonObject
                {
                    ["name"] = _kind == "TFJob" ? "tfjob-port" : "pytorchjob-port",
                    ["port"] = _defaultPort,
                    ["targetPort"] = _defaultPort,
                }),
            },
        };
    }

    /// <summary>TF_CONFIG for TensorFlow; MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK for PyTorch, as the operator sets them.</summary>
    private IEnumerable<(string Name, string Value)> DistributedEnvironment(string name, string ns, List<KeyValuePair<string, JsonNode?>> replicaSpecs, string replicaType, int index)
    {
        if (_kind == "TFJob")
        {
            var cluster = new JsonObject();
            foreach (var (type, spec) in replicaSpecs.Where(r => r.Key != "Evaluator"))
            {
                var replicas = (int)ObjectFields.Integer(spec?["replicas"], 1);
                cluster[type.ToLowerInvariant()] = new JsonArray(Enumerable.Range(0, replicas).Select(i => (JsonNode?)$"{name}-{type.ToLowerInvariant()}-{i}.{ns}.svc:{_defaultPort}").ToArray());
            }

            var tfConfig = new JsonObject
            {
                ["cluster"] = cluster,
                ["task"] = new JsonObject { ["type"] = replicaType.ToLowerInvariant(), ["index"] = index },
                ["environment"] = "cloud",
            };
            yield return ("TF_CONFIG", tfConfig.ToJsonString());
            yield break;
        }

        var worldSize = replicaSpecs.Sum(r => (int)ObjectFields.Integer(r.Value?["replicas"], 1));
        var rank = replicaType == "Master" ? 0 : index + (replicaSpecs.Any(r => r.Key == "Master") ? (int)ObjectFields.Integer(replicaSpecs.First(r => r.Key == "Master").Value?["replicas"], 1) : 0);
        yield return ("MASTER_PORT", _defaultPort.ToString(CultureInfo.InvariantCulture));
        yield return ("MASTER_ADDR", replicaSpecs.Any(r => r.Key == "Master") ? $"{name}-master-0" : "localhost");
        yield return ("WORLD_SIZE", worldSize.ToString(CultureInfo.InvariantCulture));
        yield return ("RANK", rank.ToString(CultureInfo.InvariantCulture));
        yield return ("PYTHONUNBUFFERED", "1");
    }

    private async Task ExpireAfterTtl(ResourceType type, JsonObject job, JsonNode? runPolicy, CancellationToken cancellationToken)
    {
        if (runPolicy?["ttlSecondsAfterFinished"] is null)
        {
            return;
        }

        var ttl = TimeSpan.FromSeconds(ObjectFields.Integer(runPolicy["ttlSecondsAfterFinished"], 0));
        var due = (ObjectFields.ParseTimestamp(job["status"]?["completionTime"]) ?? Now) + ttl - Now;
        if (due > TimeSpan.Zero)
        {
            Queue.AddAfter(Key(ObjectFields.Namespace(job), ObjectFields.Name(job)), due, cancellationToken);
            return;
        }

        await Tolerate(() => Store.DeleteAsync(type, ObjectFields.Namespace(job), ObjectFields.Name(job), new DeletionOptions { PropagationPolicy = PropagationPolicy.Background }), 404);
    }
}
