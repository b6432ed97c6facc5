using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// KServe's InferenceService controller for one API version (serving.kserve.io/v1beta1, or the legacy
/// serving.kubeflow.org/v1beta1 when served): the predictor becomes a Knative Service <c>{name}-predictor</c>
/// (Serverless, the default) or a Deployment and a Service (annotation
/// <c>serving.kserve.io/deploymentMode: RawDeployment</c>), owned by the InferenceService, with KServe's storage
/// initializer for an <c>s3://</c> model. Status: <c>url</c>, <c>address</c>, the predictor's revisions, the
/// conditions PredictorConfigurationReady, PredictorRouteReady, PredictorReady, IngressReady and Ready, and
/// <c>modelStatus</c>.
/// </summary>
/// <param name="apiVersion">The API version served, e.g. <c>serving.kserve.io/v1beta1</c>.</param>
internal sealed class InferenceServiceController(string apiVersion) : ReconcilingController
{
    /// <summary>The annotation that selects the deployment mode.</summary>
    public const string DeploymentModeAnnotation = "serving.kserve.io/deploymentMode";

    /// <summary>The annotation with the hash of the predictor template a child was rendered from: compared instead of
    /// the template itself, which the API server may default.</summary>
    private const string TemplateHashAnnotation = "local.kaptain.build/predictor-template-hash";

    private static readonly string[] Frameworks = ["sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx", "pmml", "lightgbm", "paddle", "huggingface"];

    /// <inheritdoc/>
    public override string Name => $"kserve-controller ({apiVersion})";

    private ResourceType? IsvcType => Cluster.Resources.FindByKind(apiVersion, "InferenceService");

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
        IsvcType is null
            ? []
            : [
                (IsvcType, Self),
                (BuiltInResources.KnativeService, OwnerOfKind("InferenceService")),
                (BuiltInResources.Deployment, OwnerOfKind("InferenceService")),
                (BuiltInResources.Pod, PodOfRawPredictor),
            ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var type = IsvcType!;
        var isvc = Store.TryGet(type, ns, name);
        if (isvc is null || ObjectFields.IsDeleting(isvc))
        {
            return;
        }

        var raw = ObjectFields.Annotations(isvc).GetValueOrDefault(DeploymentModeAnnotation) == "RawDeployment";
        var template = PodTemplate(isvc);
        var (ready, reason, message, latestCreated, latestReady) = raw ? await ReconcileRaw(isvc, template) : await ReconcileServerless(isvc, template);
        var value = ready is null ? "Unknown" : ready.Value ? "True" : "False";
        await MutateStatus(type, ns, name, status =>
        {
            var before = status.DeepClone();
            status["observedGeneration"] = ObjectFields.Generation(isvc);
            status["url"] = $"http://{name}.{ns}.example.com";
            status["address"] = new JsonObject { ["url"] = $"http://{name}-predictor.{ns}.svc.cluster.local" };
            var predictor = new JsonObject { ["url"] = $"http://{name}-predictor.{ns}.example.com" };
            if (latestCreated is not null)
            {
                predictor["latestCreatedRevision"] = latestCreated;
            }

            if (latestReady is not null)
            {
                predictor["latestReadyRevision"] = latestReady;
                predictor["latestRolledoutRevision"] = latestReady;
                predictor["traffic"] = new JsonArray(new JsonObject { ["revisionName"] = latestReady, ["latestRevision"] = true, ["percent"] = 100 });
            }

            status["components"] = new JsonObject { ["predictor"] = predictor };
            foreach (var condition in new[] { "PredictorConfigurationReady", "PredictorRouteReady", "PredictorReady", "IngressReady", "Ready" })
            {
                Conditions.Set(status, condition, value, reason, message, Now);
            }

            status["modelStatus"] = ready switch
            {
                true => new JsonObject
                {
                    ["transitionStatus"] = "UpToDate",
                    ["states"] = new JsonObject { ["activeModelState"] = "Loaded", ["targetModelState"] = "Loaded" },
                },
                false => new JsonObject
                {
                    ["transitionStatus"] = "BlockedByFailedLoad",
                    ["states"] = new JsonObject { ["activeModelState"] = "FailedToLoad", ["targetModelState"] = "FailedToLoad" },
                    ["lastFailureInfo"] = new JsonObject { ["reason"] = "ModelLoadFailed", ["message"] = message },
                },
                null => new JsonObject
                {
                    ["transitionStatus"] = "InProgress",
                    ["states"] = new JsonObject { ["activeModelState"] = "Pending", ["targetModelState"] = "Pending" },
                },
            };
            return !ObjectFields.SameJson(before, status);
        });
        return;
    }

    private IEnumerable<string> PodOfRawPredictor(JsonObject pod) =>
        ObjectFields.Labels(pod).TryGetValue("serving.kserve.io/inferenceservice", out var isvc) ? [Key(ObjectFields.Namespace(pod), isvc)] : [];

    private async Task<(bool? Ready, string? Reason, string? Message, string? LatestCreated, string? LatestReady)> ReconcileServerless(JsonObject isvc, JsonObject template)
    {
        var ns = ObjectFields.Namespace(isvc);
        var serviceName = $"{ObjectFields.Name(isvc)}-predictor";
        var service = Store.TryGet(BuiltInResources.KnativeService, ns, serviceName);
        if (service is null)
        {
            var ksvc = new JsonObject
            {
                ["apiVersion"] = "serving.knative.dev/v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject
                {
                    ["name"] = serviceName,
                    ["namespace"] = ns,
                    ["labels"] = Labels(isvc),
                    ["annotations"] = new JsonObject { [TemplateHashAnnotation] = Hash(template) },
                    ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(isvc)),
                },
                ["spec"] = new JsonObject { ["template"] = template },
            };
            await Tolerate(() => Store.CreateAsync(BuiltInResources.KnativeService, ksvc), 409);
            return (null, "PredictorNotReady", "Waiting for the predictor's Knative Service", null, null);
        }

        if (ObjectFields.Annotations(service).GetValueOrDefault(TemplateHashAnnotation) != Hash(template))
        {
            // A changed predictor is a new template: Knative makes a new Revision of it.
            await Tolerate(() => Store.MutateAsync(BuiltInResources.KnativeService, ns, serviceName, s =>
            {
                ObjectFields.Child(s, "spec")["template"] = template.DeepClone();
                ObjectFields.Child(ObjectFields.Metadata(s), "annotations")[TemplateHashAnnotation] = Hash(template);
                return true;
            }), 404);
            return (null, "PredictorNotReady", "Waiting for the predictor's new Revision", ObjectFields.Text(service["status"]?["latestCreatedRevisionName"]), ObjectFields.Text(service["status"]?["latestReadyRevisionName"]));
        }

        var status = service["status"];
        var readyCondition = Conditions.Find(status, "Ready");
        var latestCreated = ObjectFields.Text(status?["latestCreatedRevisionName"]);
        var latestReady = ObjectFields.Text(status?["latestReadyRevisionName"]);
        return ObjectFields.Text(readyCondition?["status"]) switch
        {
            "True" => (true, null, null, latestCreated, latestReady),
            "False" => (false, ObjectFields.Text(readyCondition?["reason"]), ObjectFields.Text(readyCondition?["message"]), latestCreated, latestReady),
            _ => (null, "PredictorNotReady", ObjectFields.Text(readyCondition?["message"]) ?? "Waiting for the predictor's Revision to become ready", latestCreated, latestReady),
        };
    }

    private async Task<(bool? Ready, string? Reason, string? Message, string? LatestCreated, string? LatestReady)> ReconcileRaw(JsonObject isvc, JsonObject template)
    {
        var ns = ObjectFields.Namespace(isvc);
        var name = $"{ObjectFields.Name(isvc)}-predictor";
        var selector = new JsonObject { ["app"] = $"isvc.{name}" };
        ObjectFields.Child(ObjectFields.Metadata(template), "labels")["app"] = $"isvc.{name}";
        var spec = new JsonObject
        {
            ["replicas"] = ObjectFields.Integer(isvc["spec"]?["predictor"]?["minReplicas"], 1),
            ["selector"] = new JsonObject { ["matchLabels"] = selector.DeepClone() },
            ["template"] = template,
        };
        var deployment = Store.TryGet(BuiltInResources.Deployment, ns, name);
        if (deployment is null)
        {
            await Tolerate(() => Store.CreateAsync(BuiltInResources.Deployment, new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = Labels(isvc), ["annotations"] = new JsonObject { [TemplateHashAnnotation] = Hash(template) }, ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(isvc)) },
                ["spec"] = spec,
            }), 409);
            await Tolerate(() => Store.CreateAsync(BuiltInResources.Service, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = Labels(isvc), ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(isvc)) },
                ["spec"] = new JsonObject
                {
                    ["selector"] = selector,
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = 8080, ["protocol"] = "TCP" }),
                },
            }), 409);
            return (null, "PredictorNotReady", "Waiting for the predictor's Deployment", null, null);
        }

        if (ObjectFields.Annotations(deployment).GetValueOrDefault(TemplateHashAnnotation) != Hash(template))
        {
            await Tolerate(() => Store.MutateAsync(BuiltInResources.Deployment, ns, name, d =>
            {
                ObjectFields.Child(d, "spec")["template"] = template.DeepClone();
                ObjectFields.Child(ObjectFields.Metadata(d), "annotations")[TemplateHashAnnotation] = Hash(template);
                return true;
            }), 404);
            return (null, "PredictorNotReady", "Waiting for the predictor's new pods", null, null);
        }

        // A pod whose storage initializer or server crashes makes the predictor fail, with what it said.
        var uid = ObjectFields.Uid(deployment);
        foreach (var pod in Store.List(BuiltInResources.Pod, ns).Items.Where(p => ObjectFields.IsControlledBy(p, uid)))
        {
            var statuses = (pod["status"]?["initContainerStatuses"] as JsonArray ?? []).Concat(pod["status"]?["containerStatuses"] as JsonArray ?? []);
            foreach (var container in statuses)
            {
                var terminated = container?["lastState"]?["terminated"] ?? container?["state"]?["terminated"];
                if (ObjectFields.Text(container?["state"]?["waiting"]?["reason"]) == "CrashLoopBackOff" || ObjectFields.Integer(terminated?["exitCode"], 0) != 0)
                {
                    return (false, "ModelLoadFailed", $"Container {ObjectFields.Text(container?["name"])} failed: {ObjectFields.Text(terminated?["message"]) ?? ObjectFields.Text(terminated?["reason"]) ?? "Error"}", null, null);
                }
            }
        }

        var available = Conditions.Find(deployment["status"], "Available");
        return Conditions.IsTrue(deployment["status"], "Available")
            ? (true, null, null, null, null)
            : (null, "PredictorNotReady", ObjectFields.Text(available?["message"]) ?? "Waiting for the predictor's pods", null, null);
    }

    private static string Hash(JsonObject template) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(template.ToJsonString())))[..16];

    private static JsonObject Labels(JsonObject isvc) => new()
    {
        ["serving.kserve.io/inferenceservice"] = ObjectFields.Name(isvc),
        ["component"] = "predictor",
    };

    /// <summary>The predictor's pod template as KServe renders it: the model server container (a custom container, or
    /// one for the model format), the storage initializer for an s3:// model, the InferenceService's annotations.</summary>
    private JsonObject PodTemplate(JsonObject isvc)
    {
        var ns = ObjectFields.Namespace(isvc);
        var name = ObjectFields.Name(isvc);
        var predictor = isvc["spec"]?["predictor"] ?? new JsonObject();
        var model = predictor["model"] ?? Frameworks.Select(f => predictor[f]).FirstOrDefault(n => n is not null);
        var format = ObjectFields.Text(predictor["model"]?["modelFormat"]?["name"]) ?? Frameworks.FirstOrDefault(f => predictor[f] is not null) ?? "custom";
        var storageUri = ObjectFields.Text(model?["storageUri"]) ?? ObjectFields.Text((predictor["containers"] as JsonArray)?.FirstOrDefault()?["env"]?.AsArray().FirstOrDefault(e => ObjectFields.Text(e?["name"]) == "STORAGE_URI")?["value"]);
        JsonArray containers;
        if (predictor["containers"] is JsonArray custom && custom.Count > 0)
        {
            containers = (JsonArray)custom.DeepClone();
        }
        else
        {
            var container = new JsonObject
            {
                ["name"] = "kserve-container",
                ["image"] = ObjectFields.Text(model?["image"]) ?? $"kserve/{format}server:v0.14.1",
                ["args"] = new JsonArray($"--model_name={name}", "--model_dir=/mnt/models", "--http_port=8080"),
            };
            foreach (var field in new[] { "env", "resources", "args", "command", "ports" })
            {
                if (model?[field] is { } value)
                {
                    container[field] = value.DeepClone();
                }
            }

            containers = new JsonArray(container);
        }

        var annotations = new JsonObject();
        foreach (var (key, value) in ObjectFields.Annotations(isvc).Where(a => a.Key != "kubectl.kubernetes.io/last-applied-configuration"))
        {
            annotations[key] = value;
        }

        var spec = new JsonObject { ["containers"] = containers };
        var serviceAccount = ObjectFields.Text(predictor["serviceAccountName"]);
        if (serviceAccount is not null)
        {
            spec["serviceAccountName"] = serviceAccount;
        }

        if (storageUri is not null)
        {
            annotations[KServeStorage.SourceUriAnnotation] = storageUri;
            if (KServeStorage.InitContainer(Store, ns, serviceAccount, storageUri) is { } init)
            {
                spec["initContainers"] = new JsonArray(init);
            }
        }

        var labels = Labels(isvc);
        foreach (var (key, value) in ObjectFields.Labels(isvc))
        {
            labels[key] = value;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = labels, ["annotations"] = annotations },
            ["spec"] = spec,
        };
    }
}
