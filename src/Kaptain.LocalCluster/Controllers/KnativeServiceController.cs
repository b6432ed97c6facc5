using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// Knative Serving, simplified: a Knative Service gets a Revision per generation of its template (<c>{service}-00001</c>,
/// <c>-00002</c>...) and a Route sending the traffic as <c>spec.traffic</c> says (all of it to the latest ready
/// Revision without it). Each Revision gets a Deployment <c>{revision}-deployment</c> owned by it, whose pods carry the
/// Revision's labels with <c>serving.knative.dev/revision</c>, <c>revisionUID</c> and <c>app</c>, and run the user
/// container beside Knative's <c>queue-proxy</c> (knative/serving pkg/reconciler/revision/resources: deploy.go,
/// meta.go, names.go), scaled to <c>autoscaling.knative.dev/min-scale</c> (at least 1 while it is made ready). A
/// Revision becomes ready as its scenario says once its Deployment has an available pod; it fails with the reason its
/// pods' user containers show, as Knative's revision reconciler reads them (reconcile_resources.go): a last
/// termination at once, a waiting reason (an image that cannot be pulled, an init container such as KServe's storage
/// initializer that crash-loops) only after the progress deadline. Older Revisions without traffic are scaled to zero (their
/// Deployment to 0 replicas) and kept, as Knative does.
/// </summary>
internal sealed class KnativeServiceController : ReconcilingController
{
    /// <summary>The annotation with the hash of the template a Revision was made from.</summary>
    private const string TemplateHashAnnotation = "local.kaptain.build/template-hash";

    private readonly ConcurrentDictionary<string, byte> _started = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public override string Name => "knative-serving";

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
    [
        (BuiltInResources.KnativeService, Self),
        (BuiltInResources.KnativeRevision, OwnerOfKind("Service")),
    ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var service = Store.TryGet(BuiltInResources.KnativeService, ns, name);
        if (service is null || ObjectFields.IsDeleting(service))
        {
            return;
        }

        var generation = ObjectFields.Generation(service);
        var uid = ObjectFields.Uid(service);
        var revisions = Store.List(BuiltInResources.KnativeRevision, ns).Items.Where(r => ObjectFields.IsControlledBy(r, uid)).ToList();
        // The Configuration's generation counts template changes only: a change of the Service's traffic alone (a
        // canary's share, its promotion or rollback) bumps the Service's generation and makes no Revision.
        var templateHash = TemplateHash(service);
        var newest = revisions.OrderByDescending(ConfigurationGeneration).FirstOrDefault();
        var latest = newest is not null && ObjectFields.Annotations(newest).GetValueOrDefault(TemplateHashAnnotation) == templateHash ? newest : null;
        if (latest is null)
        {
            var configurationGeneration = (newest is null ? 0 : ConfigurationGeneration(newest)) + 1;
            latest = await CreateRevision(service, $"{name}-{configurationGeneration.ToString("00000", CultureInfo.InvariantCulture)}", configurationGeneration, templateHash);
            revisions.Add(latest);
        }

        var revisionName = ObjectFields.Name(latest);

        if (_started.TryAdd(ObjectFields.Uid(latest), 0) && Conditions.Find(latest["status"], "Ready") is null)
        {
            StartRevision(service, latest, cancellationToken);
        }

        var latestReady = revisions
            .Where(r => Conditions.IsTrue(r["status"], "Ready"))
            .OrderByDescending(r => ObjectFields.Name(r), StringComparer.Ordinal)
            .FirstOrDefault();
        var routed = latestReady is null ? new HashSet<string?>() : ResolveTraffic(service, ObjectFields.Name(latestReady))
            .Where(t => ObjectFields.Integer(t?["percent"], 0) > 0).Select(t => ObjectFields.Text(t?["revisionName"])).ToHashSet(StringComparer.Ordinal);
        foreach (var serving in revisions.Where(r => routed.Contains(ObjectFields.Name(r)) && Conditions.IsTrue(r["status"], "Ready")))
        {
            // Traffic back on a Revision scaled to zero (a rollback) scales it up again, as Knative's activator does.
            await ScaleAsync(ns, ObjectFields.Name(serving), MinScale(serving));
        }

        foreach (var old in revisions.Where(r => r != latestReady && !routed.Contains(ObjectFields.Name(r)) && Conditions.IsTrue(r["status"], "Ready")))
        {
            // Scaled to zero and kept: the Revision stays Ready (it could serve again) but receives no traffic.
            await ScaleAsync(ns, ObjectFields.Name(old), 0);
            await MutateStatus(BuiltInResources.KnativeRevision, ns, ObjectFields.Name(old), status =>
            {
                status["actualReplicas"] = 0;
                status["desiredReplicas"] = 0;
                return Conditions.Set(status, "Active", "False", "NoTraffic", "The target is not receiving traffic.", Now) | true;
            });
        }

        var url = $"http://{name}.{ns}.example.com";
        var traffic = latestReady is null ? new JsonArray() : ResolveTraffic(service, ObjectFields.Name(latestReady));
        await EnsureRoute(service, url, traffic, latestReady is not null);

        var latestStatus = Store.TryGet(BuiltInResources.KnativeRevision, ns, revisionName)?["status"];
        var latestFailed = Conditions.Find(latestStatus, "Ready") is { } readyCondition && ObjectFields.Text(readyCondition["status"]) == "False";
        await MutateStatus(BuiltInResources.KnativeService, ns, name, status =>
        {
            var before = status.DeepClone();
            status["observedGeneration"] = generation;
            status["latestCreatedRevisionName"] = revisionName;
            if (latestReady is not null)
            {
                status["latestReadyRevisionName"] = ObjectFields.Name(latestReady);
                status["url"] = url;
                status["address"] = new JsonObject { ["url"] = $"http://{name}.{ns}.svc.cluster.local" };
                status["traffic"] = traffic.DeepClone();
            }

            var (value, reason, message) = latestFailed
                ? ("False", "RevisionFailed", $"Revision \"{revisionName}\" failed with message: {ObjectFields.Text(Conditions.Find(latestStatus, "Ready")?["message"])}.")
                : latestReady is not null && ObjectFields.Name(latestReady) == revisionName
                    ? ("True", (string?)null, (string?)null)
                    : ("Unknown", "RevisionMissing", $"Configuration \"{name}\" is waiting for a Revision to become ready.");
            Conditions.Set(status, "ConfigurationsReady", value, reason, message, Now);
            Conditions.Set(status, "RoutesReady", latestReady is null ? "Unknown" : "True", latestReady is null ? "RevisionMissing" : null, latestReady is null ? "Configuration is waiting for a Revision to become ready." : null, Now);
            Conditions.Set(status, "Ready", value, reason, message, Now);
            return !ObjectFields.SameJson(before, status);
        });
        return;
    }

    /// <summary>
    /// The Route's traffic as Knative resolves the Service's <c>spec.traffic</c>: a target with
    /// <c>latestRevision: true</c> goes to the latest ready Revision, one with a <c>revisionName</c> to that Revision;
    /// tags and percents are kept. Without <c>spec.traffic</c>, everything goes to the latest ready Revision.
    /// </summary>
    private static JsonArray ResolveTraffic(JsonObject service, string latestReady)
    {
        if (service["spec"]?["traffic"] is not JsonArray { Count: > 0 } targets)
        {
            return new JsonArray(new JsonObject { ["revisionName"] = latestReady, ["latestRevision"] = true, ["percent"] = 100 });
        }

        var resolved = new JsonArray();
        foreach (var target in targets)
        {
            var latest = target?["latestRevision"] is JsonValue l && l.TryGetValue<bool>(out var isLatest) && isLatest;
            var entry = new JsonObject
            {
                ["revisionName"] = latest ? latestReady : ObjectFields.Text(target?["revisionName"]) ?? latestReady,
                ["latestRevision"] = latest,
                ["percent"] = ObjectFields.Integer(target?["percent"], 0),
            };
            if (ObjectFields.Text(target?["tag"]) is { } tag)
            {
                entry["tag"] = tag;
                entry["url"] = $"http://{tag}-{ObjectFields.Name(service)}.{ObjectFields.Namespace(service)}.example.com";
            }

            resolved.Add(entry);
        }

        return resolved;
    }

    private static long ConfigurationGeneration(JsonObject revision) =>
        long.TryParse(ObjectFields.Labels(revision).GetValueOrDefault("serving.knative.dev/configurationGeneration"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : 0;

    // Without the storage initializer, which KServe's pod webhook injects per pod rather than into the template.
    private static string TemplateHash(JsonObject service)
    {
        var compared = (service["spec"]?["template"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
        (compared["spec"] as JsonObject)?.Remove("initContainers");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(compared.ToJsonString())))[..16];
    }

    private async Task<JsonObject> CreateRevision(JsonObject service, string revisionName, long generation, string templateHash)
    {
        var template = service["spec"]?["template"] as JsonObject ?? new JsonObject();
        var name = ObjectFields.Name(service);
        var metadata = (template["metadata"]?.DeepClone() as JsonObject) ?? new JsonObject();
        metadata.Remove("generateName");
        metadata["name"] = revisionName;
        metadata["namespace"] = ObjectFields.Namespace(service);
        metadata["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(service));
        var labels = ObjectFields.Child(metadata, "labels");
        labels["serving.knative.dev/service"] = name;
        labels["serving.knative.dev/configuration"] = name;
        labels["serving.knative.dev/configurationGeneration"] = generation.ToString(CultureInfo.InvariantCulture);
        ObjectFields.Child(metadata, "annotations")[TemplateHashAnnotation] = templateHash;
        var revision = new JsonObject
        {
            ["apiVersion"] = "serving.knative.dev/v1",
            ["kind"] = "Revision",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        try
        {
            return await Store.CreateAsync(BuiltInResources.KnativeRevision, revision);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            return await Store.ReadAsync(BuiltInResources.KnativeRevision, ObjectFields.Namespace(service), revisionName, CancellationToken.None) ?? throw StatusErrors.NotFound(BuiltInResources.KnativeRevision, revisionName);
        }
    }

    /// <summary>Simulates the Revision's deployment in the background: storage initializer, then the scenario.</summary>
    private void StartRevision(JsonObject service, JsonObject revision, CancellationToken cancellationToken)
    {
        var ns = ObjectFields.Namespace(revision);
        var name = ObjectFields.Name(revision);
        var owners = new List<ScenarioSubject> { new("Revision", name, revision, revision), new("Service", ObjectFields.Name(service), service, null) };
        if (ObjectFields.ControllerOf(service) is { } isvcReference
            && Cluster.Resources.FindByKind(ObjectFields.Text(isvcReference["apiVersion"]) ?? string.Empty, "InferenceService") is { } isvcType
            && Store.TryGet(isvcType, ns, ObjectFields.Text(isvcReference["name"]) ?? string.Empty) is { } isvc)
        {
            owners.Add(new ScenarioSubject("InferenceService", ObjectFields.Name(isvc), isvc, null));
        }

        _ = Task.Run(
            async () =>
            {
                try
                {
                    await RunRevisionAsync(ns, name, revision, owners, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The cluster stops.
                }
                catch (Exception e)
                {
                    // A defect of the simulation, not a behaviour of Knative: shown on the Revision, where a test reads it,
                    // rather than leaving it Deploying for ever.
                    Console.Error.WriteLine($"knative: revision {ns}/{name}: {e}");
                    await Fail(ns, name, "SimulationError", e.GetType().Name + ": " + e.Message).ConfigureAwait(false);
                }
            },
            CancellationToken.None);
    }

    private async Task RunRevisionAsync(string ns, string name, JsonObject revision, List<ScenarioSubject> subjects, CancellationToken cancellationToken)
    {
        await MutateStatus(BuiltInResources.KnativeRevision, ns, name, status =>
        {
            Conditions.Set(status, "ResourcesAvailable", "Unknown", "Deploying", null, Now);
            Conditions.Set(status, "ContainerHealthy", "Unknown", "Deploying", null, Now);
            return Conditions.Set(status, "Ready", "Unknown", "Deploying", null, Now);
        });

        Scenario scenario;
        try
        {
            scenario = Scenarios.Resolve(subjects);
        }
        catch (ScenarioFormatException e)
        {
            await Fail(ns, name, "InvalidScenario", e.Message);
            return;
        }

        await EnsureDeploymentAsync(revision);

        if ((revision["spec"]?["initContainers"] as JsonArray ?? []).Count > 0)
        {
            // Knative never reads init containers: reconcileDeployment looks only at the pod's containerStatuses (their
            // LastTerminationState, else their waiting reason once the progress deadline passed), from knative/serving
            // #4195 (2019) to knative-v1.23.0 (pkg/reconciler/revision/reconcile_resources.go). While an init container
            // (KServe's storage-initializer) crash-loops, the user container waits in PodInitializing with no
            // termination, so the Revision stays Deploying until the deadline, then fails with that reason.
            var started = await WaitForPodAsync(ns, name, p => InitFailed(p) || Conditions.IsTrue(p["status"], "Initialized") || Containers(p).Any(c => ObjectFields.Text(c["state"]?["waiting"]?["reason"]) is "ErrImagePull" or "ImagePullBackOff"), cancellationToken);
            if (started is null)
            {
                return;
            }

            if (InitFailed(started))
            {
                await FailAfterProgressDeadlineAsync(ns, name, started, cancellationToken);
                return;
            }
        }

        if (scenario.Outcome == ScenarioOutcome.BadImage)
        {
            var pulling = await WaitForPodAsync(ns, name, p => Containers(p).Any(c => ObjectFields.Text(c["state"]?["waiting"]?["reason"]) == "ImagePullBackOff"), cancellationToken);
            if (pulling is not null)
            {
                await FailAfterProgressDeadlineAsync(ns, name, pulling, cancellationToken);
            }

            return;
        }

        if (scenario.Outcome is ScenarioOutcome.Pending or ScenarioOutcome.Hang)
        {
            // Never ready: a predictor that cannot be scheduled or never answers its readiness probe.
            return;
        }

        if (scenario.Outcome != ScenarioOutcome.Crash)
        {
            await Task.Delay(scenario.After, Cluster.Time, cancellationToken).ConfigureAwait(false);
        }

        if (scenario.FailsOnRun(0) && scenario.Outcome != ScenarioOutcome.Crash)
        {
            // The user container exits before it is ever ready: with no available pod, Knative marks the Revision's
            // container unhealthy with its last termination (ExitCode{n}, its message).
            var crashed = await WaitForPodAsync(ns, name, p => Containers(p).Any(c => c["lastState"]?["terminated"] is not null || c["state"]?["terminated"] is not null), cancellationToken);
            if (crashed is null)
            {
                return;
            }

            var terminated = Containers(crashed).Select(c => c["lastState"]?["terminated"] ?? c["state"]?["terminated"]).First(t => t is not null);
            await Fail(ns, name, $"ExitCode{ObjectFields.Integer(terminated?["exitCode"], scenario.ExitCode)}", $"Container failed with: {ObjectFields.Text(terminated?["message"]) ?? scenario.Message ?? scenario.Reason}");
            return;
        }

        // Ready once the Deployment has an available pod; a server that crashes after that (scenario 'crash') leaves
        // the Revision Ready, as kserve#1859 shows.
        if (await WaitForPodAsync(ns, name, p => Conditions.IsTrue(p["status"], "Ready"), cancellationToken) is null)
        {
            return;
        }

        await MutateStatus(BuiltInResources.KnativeRevision, ns, name, status =>
        {
            status["observedGeneration"] = 1;
            status["actualReplicas"] = MinScale(revision);
            status["desiredReplicas"] = MinScale(revision);
            status["serviceName"] = name;
            status["containerStatuses"] = new JsonArray((revision["spec"]?["containers"] as JsonArray ?? []).Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = ObjectFields.Text(c?["name"]) ?? "user-container",
                ["imageDigest"] = ObjectFields.Text(c?["image"]),
            }).ToArray());
            Conditions.Set(status, "ResourcesAvailable", "True", null, null, Now);
            Conditions.Set(status, "ContainerHealthy", "True", null, null, Now);
            Conditions.Set(status, "Active", "True", null, null, Now);
            return Conditions.Set(status, "Ready", "True", null, null, Now);
        });
    }

    /// <summary>The stand-in's progress deadline for a pod that waits for good (Knative's default is 600 s, or the
    /// Revision's <c>serving.knative.dev/progress-deadline</c>): time is compressed here, as for back-offs.</summary>
    private static readonly TimeSpan ProgressDeadline = TimeSpan.FromSeconds(1);

    /// <summary>Whether an init container of the pod failed: exited non-zero, or waits in a back-off or error.</summary>
    private static bool InitFailed(JsonObject pod) =>
        (pod["status"]?["initContainerStatuses"] as JsonArray ?? []).OfType<JsonObject>().Any(c =>
            ObjectFields.Integer(c["state"]?["terminated"]?["exitCode"], 0) != 0
            || ObjectFields.Text(c["state"]?["waiting"]?["reason"]) is { } reason && reason != "PodInitializing");

    /// <summary>
    /// What Knative's reconcileDeployment does once the Deployment's progress deadline has passed with no available
    /// pod (hasDeploymentTimedOut): the Revision's ResourcesAvailable (and so Ready) becomes False with the first
    /// user container's waiting reason and message (<c>MarkResourcesAvailableFalse(w.Reason, w.Message)</c>):
    /// <c>ImagePullBackOff</c> with the kubelet's message, or <c>PodInitializing</c> with none while an init container
    /// crash-loops. ContainerHealthy stays as it was: no user container terminated.
    /// </summary>
    private async Task FailAfterProgressDeadlineAsync(string ns, string name, JsonObject pod, CancellationToken cancellationToken)
    {
        await Task.Delay(ProgressDeadline, Cluster.Time, cancellationToken).ConfigureAwait(false);
        var current = Store.TryGet(BuiltInResources.Pod, ns, ObjectFields.Name(pod)) ?? pod;
        if (Conditions.IsTrue(current["status"], "Ready"))
        {
            return;
        }

        var waiting = Containers(current).Select(c => c["state"]?["waiting"]).FirstOrDefault(w => w is not null);
        await Fail(ns, name, ObjectFields.Text(waiting?["reason"]) ?? "ProgressDeadlineExceeded", ObjectFields.Text(waiting?["message"]) ?? string.Empty, markContainerUnhealthy: false);
    }

    /// <summary>The Knative container beside the user's in every Revision pod.</summary>
    private const string QueueProxy = "queue-proxy";

    /// <summary>The Deployment of a Revision (knative/serving pkg/reconciler/revision/resources/names/names.go).</summary>
    private static string DeploymentName(string revision) => $"{revision}-deployment";

    /// <summary>The replicas a Revision keeps: its <c>autoscaling.knative.dev/min-scale</c> (or the older
    /// <c>minScale</c>), at least 1: a new Revision is scaled up to be made ready even with min-scale 0.</summary>
    private static int MinScale(JsonObject revision)
    {
        var annotations = ObjectFields.Annotations(revision);
        var text = annotations.GetValueOrDefault("autoscaling.knative.dev/min-scale") ?? annotations.GetValueOrDefault("autoscaling.knative.dev/minScale");
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var scale) && scale > 1 ? scale : 1;
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod) =>
        (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().Where(c => ObjectFields.Text(c["name"]) != QueueProxy);

    /// <summary>
    /// The Revision's Deployment as Knative's <c>MakeDeployment</c> renders it: the Revision's labels plus
    /// <c>serving.knative.dev/revision</c>, <c>serving.knative.dev/revisionUID</c> and <c>app</c> on the pods
    /// (resources/meta.go, makeLabels; the selector is the revision UID), the Revision's annotations, its containers
    /// (the first named <c>user-container</c> unless named) and the <c>queue-proxy</c> sidecar; owned by the Revision.
    /// </summary>
    private async Task EnsureDeploymentAsync(JsonObject revision)
    {
        var ns = ObjectFields.Namespace(revision);
        var name = ObjectFields.Name(revision);
        if (Store.TryGet(BuiltInResources.Deployment, ns, DeploymentName(name)) is not null)
        {
            return;
        }

        var labels = new JsonObject();
        foreach (var (key, value) in ObjectFields.Labels(revision))
        {
            labels[key] = value;
        }

        labels["serving.knative.dev/revision"] = name;
        labels["serving.knative.dev/revisionUID"] = ObjectFields.Uid(revision);
        if (!labels.ContainsKey("app"))
        {
            labels["app"] = name;
        }

        var annotations = new JsonObject();
        foreach (var (key, value) in ObjectFields.Annotations(revision).Where(a => !a.Key.StartsWith("local.kaptain.build/template", StringComparison.Ordinal)))
        {
            annotations[key] = value;
        }

        var spec = (revision["spec"]?.DeepClone() as JsonObject) ?? new JsonObject();
        var containers = spec["containers"] as JsonArray ?? new JsonArray();
        if (containers.FirstOrDefault() is JsonObject user && ObjectFields.Text(user["name"]) is null)
        {
            user["name"] = "user-container";
        }

        containers.Add(new JsonObject
        {
            ["name"] = QueueProxy,
            ["image"] = "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.14.1",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http-queueadm", ["containerPort"] = 8022 }, new JsonObject { ["name"] = "queue-port", ["containerPort"] = 8012 }),
            ["env"] = new JsonArray(new JsonObject { ["name"] = "SERVING_REVISION", ["value"] = name }, new JsonObject { ["name"] = "SERVING_NAMESPACE", ["value"] = ns }),
        });
        spec["containers"] = containers;
        foreach (var field in new[] { "containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds", "idleTimeoutSeconds" })
        {
            spec.Remove(field);
        }

        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["name"] = DeploymentName(name),
                ["namespace"] = ns,
                ["labels"] = labels.DeepClone(),
                ["annotations"] = annotations.DeepClone(),
                ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(revision)),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = MinScale(revision),
                ["progressDeadlineSeconds"] = 600,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["serving.knative.dev/revisionUID"] = ObjectFields.Uid(revision) } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels, ["annotations"] = annotations },
                    ["spec"] = spec,
                },
            },
        };
        await Tolerate(() => Store.CreateAsync(BuiltInResources.Deployment, deployment), 409);
    }

    /// <summary>Sets the replicas of a Revision's Deployment (scale to zero of a Revision without traffic).</summary>
    private async Task ScaleAsync(string ns, string revision, int replicas)
    {
        if (Store.TryGet(BuiltInResources.Deployment, ns, DeploymentName(revision)) is { } deployment
            && ObjectFields.Integer(deployment["spec"]?["replicas"], 1) != replicas)
        {
            await Tolerate(() => Store.MutateAsync(BuiltInResources.Deployment, ns, DeploymentName(revision), d =>
            {
                ObjectFields.Child(d, "spec")["replicas"] = replicas;
                return true;
            }), 404);
        }
    }

    /// <summary>Waits until a pod of the Revision's Deployment is as <paramref name="wanted"/> says; null once the
    /// Revision is gone (its Deployment and pods go with it). Knative's reconciler reads the pods when the Deployment changes; the
    /// stand-in looks at them every 50 ms.</summary>
    private async Task<JsonObject?> WaitForPodAsync(string ns, string revision, Func<JsonObject, bool> wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Store.TryGet(BuiltInResources.KnativeRevision, ns, revision) is not { } current || ObjectFields.IsDeleting(current))
            {
                return null;
            }

            // Against a real API server (--attach) the cache may not show the Deployment just created yet.
            var deployment = Store.TryGet(BuiltInResources.Deployment, ns, DeploymentName(revision));
            var pod = deployment is null ? null : Store.List(BuiltInResources.Pod, ns).Items.FirstOrDefault(p => ObjectFields.IsSelectedBy(p, deployment) && !ObjectFields.IsDeleting(p) && wanted(p));
            if (pod is not null)
            {
                return pod;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), Cluster.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Fails the Revision: ResourcesAvailable and Ready False with the reason, and ContainerHealthy too
    /// unless <paramref name="markContainerUnhealthy"/> is false (Knative's MarkResourcesAvailableFalse leaves it).</summary>
    private async Task Fail(string ns, string name, string reason, string message, bool markContainerUnhealthy = true)
    {
        await MutateStatus(BuiltInResources.KnativeRevision, ns, name, status =>
        {
            status["actualReplicas"] = 0;
            if (markContainerUnhealthy)
            {
                Conditions.Set(status, "ContainerHealthy", "False", reason, message, Now);
            }

            Conditions.Set(status, "ResourcesAvailable", "False", reason, message, Now);
            return Conditions.Set(status, "Ready", "False", reason, message, Now);
        });
        if (Store.TryGet(BuiltInResources.KnativeRevision, ns, name) is { } revision)
        {
            Events.Warning(revision, "RevisionFailed", message.Length > 0 ? message : reason);
        }
    }

    private async Task EnsureRoute(JsonObject service, string url, JsonArray traffic, bool ready)
    {
        var ns = ObjectFields.Namespace(service);
        var name = ObjectFields.Name(service);
        if (Store.TryGet(BuiltInResources.KnativeRoute, ns, name) is null)
        {
            var route = new JsonObject
            {
                ["apiVersion"] = "serving.knative.dev/v1",
                ["kind"] = "Route",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["labels"] = new JsonObject { ["serving.knative.dev/service"] = name },
                    ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(service)),
                },
                ["spec"] = new JsonObject
                {
                    ["traffic"] = service["spec"]?["traffic"]?.DeepClone() ?? new JsonArray(new JsonObject { ["configurationName"] = name, ["latestRevision"] = true, ["percent"] = 100 }),
                },
            };
            await Tolerate(() => Store.CreateAsync(BuiltInResources.KnativeRoute, route), 409);
        }

        await MutateStatus(BuiltInResources.KnativeRoute, ns, name, status =>
        {
            var before = status.DeepClone();
            status["url"] = url;
            status["address"] = new JsonObject { ["url"] = $"http://{name}.{ns}.svc.cluster.local" };
            status["traffic"] = traffic.DeepClone();
            Conditions.Set(status, "AllTrafficAssigned", ready ? "True" : "Unknown", ready ? null : "RevisionMissing", null, Now);
            Conditions.Set(status, "IngressReady", ready ? "True" : "Unknown", null, null, Now);
            Conditions.Set(status, "Ready", ready ? "True" : "Unknown", ready ? null : "RevisionMissing", null, Now);
            return !ObjectFields.SameJson(before, status);
        });
    }
}
