using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// Knative Serving, simplified: a Knative Service gets a Revision per generation of its template (<c>{service}-00001</c>,
/// <c>-00002</c>...) and a Route sending the traffic as <c>spec.traffic</c> says (all of it to the latest ready
/// Revision without it). A Revision becomes ready as its
/// scenario says (after the storage initializer's real S3 check, when its template has one); older Revisions are
/// scaled to zero and kept, as Knative does. No pods are simulated for Revisions.
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
        foreach (var old in revisions.Where(r => r != latestReady && !routed.Contains(ObjectFields.Name(r)) && Conditions.IsTrue(r["status"], "Ready")))
        {
            // Scaled to zero and kept: the Revision stays Ready (it could serve again) but receives no traffic.
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

        var init = (revision["spec"]?["initContainers"] as JsonArray ?? []).FirstOrDefault(c => ObjectFields.Text(c?["name"]) == StorageInitializer.ContainerName);
        if (init is not null)
        {
            var environment = ContainerEnvironment.Resolve(Store, ns, init);
            var failure = environment.Problem is { } problem
                ? $"Error: {problem}"
                : await StorageInitializer.CheckAsync((init["args"] as JsonArray)?.Select(ObjectFields.Text).FirstOrDefault() ?? string.Empty, environment.Variables, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                await Fail(ns, name, "ExitCode1", $"Container failed with: {failure}");
                return;
            }
        }

        if (scenario.Outcome == ScenarioOutcome.BadImage)
        {
            // Knative marks the Revision's resources unavailable with the pod's waiting reason and message.
            var image = ObjectFields.Text((revision["spec"]?["containers"] as JsonArray)?.FirstOrDefault()?["image"]) ?? string.Empty;
            await Fail(ns, name, "ImagePullBackOff", $"Back-off pulling image \"{image}\"");
            return;
        }

        if (scenario.Outcome is ScenarioOutcome.Pending or ScenarioOutcome.Hang)
        {
            // Never ready: a predictor that cannot be scheduled or never answers its readiness probe.
            return;
        }

        await Task.Delay(scenario.After, Cluster.Time, cancellationToken).ConfigureAwait(false);
        if (scenario.FailsOnRun(0))
        {
            await Fail(ns, name, $"ExitCode{scenario.ExitCode}", $"Container failed with: {scenario.Message ?? scenario.Reason}");
            return;
        }

        await MutateStatus(BuiltInResources.KnativeRevision, ns, name, status =>
        {
            status["observedGeneration"] = 1;
            status["actualReplicas"] = 1;
            status["desiredReplicas"] = 1;
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

    private async Task Fail(string ns, string name, string reason, string message)
    {
        await MutateStatus(BuiltInResources.KnativeRevision, ns, name, status =>
        {
            status["actualReplicas"] = 0;
            Conditions.Set(status, "ContainerHealthy", "False", reason, message, Now);
            Conditions.Set(status, "ResourcesAvailable", "False", reason, message, Now);
            return Conditions.Set(status, "Ready", "False", reason, message, Now);
        });
        if (Store.TryGet(BuiltInResources.KnativeRevision, ns, name) is { } revision)
        {
            Events.Warning(revision, "RevisionFailed", message);
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
