using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;

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
        await KServeStorage.LoadCredentialsAsync(Store, ns, ObjectFields.Text(isvc["spec"]?["predictor"]?["serviceAccountName"]), cancellationToken).ConfigureAwait(false);
        var template = PodTemplate(isvc);
        var state = raw ? await ReconcileRaw(isvc, template) : await ReconcileServerless(isvc, template);
        var value = state.Ready is null ? "Unknown" : state.Ready.Value ? "True" : "False";
        await MutateStatus(type, ns, name, status =>
        {
            var before = status.DeepClone();
            // KServe never writes the InferenceService's own generation here: PropagateStatus / PropagateRawStatus copy
            // the child's (Knative Service's, Deployment's) observedGeneration, which counts another object's changes
            // (kserve/kserve pkg/apis/serving/v1beta1/inference_service_status.go). The stand-in writes none, so a
            // client comparing it with metadata.generation learns nothing from it.
            status.Remove("observedGeneration");
            status["deploymentMode"] = raw ? "RawDeployment" : "Serverless";
            status["url"] = $"http://{name}.{ns}.example.com";
            status["address"] = new JsonObject { ["url"] = $"http://{name}-predictor.{ns}.svc.cluster.local" };
            var previous = status["components"]?["predictor"] as JsonObject;
            var predictor = new JsonObject { ["url"] = $"http://{name}-predictor.{ns}.example.com" };
            if (!raw)
            {
                PropagateRevisions(predictor, previous, state);
            }

            status["components"] = new JsonObject { ["predictor"] = predictor };
            foreach (var condition in new[] { "PredictorConfigurationReady", "PredictorRouteReady", "PredictorReady", "IngressReady", "Ready" })
            {
                Conditions.Set(status, condition, value, state.Reason, state.Message, Now);
            }

            status["modelStatus"] = PropagateModelStatus(status["modelStatus"] as JsonObject, PredictorPods(isvc, raw, state), raw, state);
            return !ObjectFields.SameJson(before, status);
        });
        return;
    }

    /// <summary>
    /// The predictor's revisions and traffic as KServe's <c>PropagateStatus</c> derives them from the Knative Service:
    /// the latest created and ready revisions, the traffic split, and the last revision rolled out with 100% of the
    /// traffic (<c>latestRolledoutRevision</c>, the one a canary's remaining traffic goes to) with the one before it
    /// (kserve/kserve pkg/apis/serving/v1beta1/inference_service_status.go).
    /// </summary>
    private static void PropagateRevisions(JsonObject predictor, JsonObject? previous, PredictorState state)
    {
        var rolledOut = ObjectFields.Text(previous?["latestRolledoutRevision"]);
        var previousRolledOut = ObjectFields.Text(previous?["previousRolledoutRevision"]);
        var traffic = state.Traffic ?? new JsonArray();
        foreach (var target in traffic)
        {
            if (ObjectFields.Text(target?["revisionName"]) == state.LatestReady && target?["latestRevision"]?.GetValue<bool>() == true
                && ObjectFields.Integer(target?["percent"], 0) == 100 && rolledOut != state.LatestReady)
            {
                previousRolledOut = rolledOut;
                rolledOut = state.LatestReady;
            }
        }

        if (state.LatestCreated is not null)
        {
            predictor["latestCreatedRevision"] = state.LatestCreated;
        }

        if (state.LatestReady is not null)
        {
            predictor["latestReadyRevision"] = state.LatestReady;
        }

        if (rolledOut is not null)
        {
            predictor["latestRolledoutRevision"] = rolledOut;
        }

        if (previousRolledOut is not null)
        {
            predictor["previousRolledoutRevision"] = previousRolledOut;
        }

        if (traffic.Count > 0)
        {
            predictor["traffic"] = traffic.DeepClone();
        }
    }

    /// <summary>
    /// The Knative Service's traffic for the predictor, as KServe renders it: with <c>canaryTrafficPercent</c> and a
    /// revision already rolled out, that share to the latest revision (tag <c>latest</c>) and the rest pinned to the
    /// rolled-out one (tag <c>prev</c>); otherwise all of it to the latest ready revision. <c>canaryTrafficPercent: 0</c>
    /// is KServe's rollback: everything back on the rolled-out revision; dropping the field is the promotion.
    /// </summary>
    private static JsonArray Traffic(JsonObject isvc)
    {
        var canary = isvc["spec"]?["predictor"]?["canaryTrafficPercent"];
        var rolledOut = ObjectFields.Text(isvc["status"]?["components"]?["predictor"]?["latestRolledoutRevision"]);
        if (canary is not null && rolledOut is not null)
        {
            var percent = ObjectFields.Integer(canary, 100);
            return new JsonArray(
                new JsonObject { ["tag"] = "latest", ["latestRevision"] = true, ["percent"] = percent },
                new JsonObject { ["tag"] = "prev", ["revisionName"] = rolledOut, ["latestRevision"] = false, ["percent"] = 100 - percent });
        }

        return new JsonArray(new JsonObject { ["latestRevision"] = true, ["percent"] = 100 });
    }

    private IEnumerable<string> PodOfRawPredictor(JsonObject pod) =>
        ObjectFields.Labels(pod).TryGetValue("serving.kserve.io/inferenceservice", out var isvc) ? [Key(ObjectFields.Namespace(pod), isvc)] : [];

    private async Task<PredictorState> ReconcileServerless(JsonObject isvc, JsonObject template)
    {
        var ns = ObjectFields.Namespace(isvc);
        var serviceName = $"{ObjectFields.Name(isvc)}-predictor";
        var service = Store.TryGet(BuiltInResources.KnativeService, ns, serviceName);
        var traffic = Traffic(isvc);
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
                ["spec"] = new JsonObject { ["template"] = template, ["traffic"] = traffic },
            };
            await Tolerate(() => Store.CreateAsync(BuiltInResources.KnativeService, ksvc), 409);
            return new(null, "PredictorNotReady", "Waiting for the predictor's Knative Service");
        }

        var templateChanged = ObjectFields.Annotations(service).GetValueOrDefault(TemplateHashAnnotation) != Hash(template);
        if (templateChanged || !ObjectFields.SameJson(service["spec"]?["traffic"], traffic))
        {
            // A changed predictor is a new template: Knative makes a new Revision of it. A changed traffic split (a
            // canary's share, its promotion or rollback) only moves traffic between the Revisions there are.
            await Tolerate(() => Store.MutateAsync(BuiltInResources.KnativeService, ns, serviceName, s =>
            {
                ObjectFields.Child(s, "spec")["template"] = template.DeepClone();
                ObjectFields.Child(s, "spec")["traffic"] = traffic.DeepClone();
                ObjectFields.Child(ObjectFields.Metadata(s), "annotations")[TemplateHashAnnotation] = Hash(template);
                return true;
            }), 404);
            if (templateChanged)
            {
                return new(null, "PredictorNotReady", "Waiting for the predictor's new Revision")
                {
                    LatestCreated = ObjectFields.Text(service["status"]?["latestCreatedRevisionName"]),
                    LatestReady = ObjectFields.Text(service["status"]?["latestReadyRevisionName"]),
                    Traffic = service["status"]?["traffic"] as JsonArray,
                };
            }
        }

        var status = service["status"];
        var readyCondition = Conditions.Find(status, "Ready");
        var revisions = new PredictorState(null, null, null)
        {
            LatestCreated = ObjectFields.Text(status?["latestCreatedRevisionName"]),
            LatestReady = ObjectFields.Text(status?["latestReadyRevisionName"]),
            Traffic = status?["traffic"] as JsonArray,
        };
        return ObjectFields.Text(readyCondition?["status"]) switch
        {
            "True" => revisions with { Ready = true },
            "False" => revisions with { Ready = false, Reason = ObjectFields.Text(readyCondition?["reason"]), Message = ObjectFields.Text(readyCondition?["message"]) },
            _ => revisions with { Reason = "PredictorNotReady", Message = ObjectFields.Text(readyCondition?["message"]) ?? "Waiting for the predictor's Revision to become ready" },
        };
    }

    private async Task<PredictorState> ReconcileRaw(JsonObject isvc, JsonObject template)
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
            return new(null, "PredictorNotReady", "Waiting for the predictor's Deployment");
        }

        if (ObjectFields.Annotations(deployment).GetValueOrDefault(TemplateHashAnnotation) != Hash(template))
        {
            // KServe updates the Deployment and, in the same reconcile, propagates the Deployment's status as it still
            // is: the old rollout's. Until the Deployment controller has seen the new generation the InferenceService
            // stays Ready=True, as on a real cluster.
            await Tolerate(() => Store.MutateAsync(BuiltInResources.Deployment, ns, name, d =>
            {
                ObjectFields.Child(d, "spec")["template"] = template.DeepClone();
                ObjectFields.Child(d, "spec")["replicas"] = spec["replicas"]!.DeepClone();
                ObjectFields.Child(ObjectFields.Metadata(d), "annotations")[TemplateHashAnnotation] = Hash(template);
                return true;
            }), 404);
        }

        return PropagateRawStatus(deployment);
    }

    /// <summary>
    /// PredictorReady from the Deployment's conditions, as KServe's <c>PropagateRawStatus</c> does: Available=True is
    /// ready; Progressing=True with a reason other than NewReplicaSetAvailable (a rollout under way) is Unknown;
    /// Progressing=False with a message (ProgressDeadlineExceeded), Available=False or ReplicaFailure=True is not ready
    /// (kserve/kserve pkg/apis/serving/v1beta1/inference_service_status.go). A crash-looping pod alone does not make it
    /// not ready: only the model status says so (kserve#1859).
    /// </summary>
    private static PredictorState PropagateRawStatus(JsonObject deployment)
    {
        var status = deployment["status"];
        PredictorState state = new(false, null, null);
        if (Conditions.Find(status, "Available") is { } available && ObjectFields.Text(available["status"]) == "True")
        {
            state = new(true, ObjectFields.Text(available["reason"]), ObjectFields.Text(available["message"]));
        }

        if (Conditions.Find(status, "Progressing") is { } progressing)
        {
            var reason = ObjectFields.Text(progressing["reason"]);
            var message = ObjectFields.Text(progressing["message"]);
            switch (ObjectFields.Text(progressing["status"]))
            {
                case "False" when !string.IsNullOrEmpty(message):
                    state = new(false, reason, message);
                    break;
                case "True":
                    state = reason == "NewReplicaSetAvailable" ? new(true, reason, message) : new(null, reason, message);
                    break;
            }
        }

        if (Conditions.Find(status, "Available") is { } unavailable && ObjectFields.Text(unavailable["status"]) == "False")
        {
            state = new(false, ObjectFields.Text(unavailable["reason"]), ObjectFields.Text(unavailable["message"]));
        }

        if (Conditions.Find(status, "ReplicaFailure") is { } failure && ObjectFields.Text(failure["status"]) == "True")
        {
            state = new(false, ObjectFields.Text(failure["reason"]), ObjectFields.Text(failure["message"]));
        }

        if (status is null)
        {
            state = new(null, "PredictorNotReady", "Waiting for the predictor's Deployment");
        }

        // KServe marks a condition True without a reason or message.
        return state.Ready == true ? state with { Reason = null, Message = null } : state;
    }

    /// <summary>The pods KServe reads the model status from: the RawDeployment's (label <c>app: isvc.{name}-predictor</c>),
    /// or the latest created Revision's (label <c>serving.knative.dev/revision</c>) (kserve/kserve
    /// pkg/controller/v1beta1/inferenceservice/components/predictor.go, ListPodsByLabel).</summary>
    private List<JsonObject> PredictorPods(JsonObject isvc, bool raw, PredictorState state)
    {
        var (label, value) = raw ? ("app", $"isvc.{ObjectFields.Name(isvc)}-predictor") : ("serving.knative.dev/revision", state.LatestCreated);
        return value is null
            ? []
            : Store.List(BuiltInResources.Pod, ObjectFields.Namespace(isvc)).Items
                .Where(p => ObjectFields.Labels(p).GetValueOrDefault(label) == value && !ObjectFields.IsDeleting(p))
                .OrderBy(ObjectFields.Name, StringComparer.Ordinal) // a list's order: by key
                .ToList();
    }

    /// <summary>
    /// <c>status.modelStatus</c> as KServe's <c>PropagateModelStatus</c> writes it (kserve/kserve
    /// pkg/apis/serving/v1beta1/inference_service_status.go, since v0.9, kserve#2088), from the first of the
    /// predictor's pods: no pod is Pending (FailedToLoad when a Knative condition is False); the storage-initializer
    /// running is Loading, terminated with <c>Error</c> or waiting in CrashLoopBackOff is FailedToLoad with
    /// <c>lastFailureInfo</c> (reason ModelLoadFailed, its termination's message and exit code); a ready service is
    /// Loaded (Serverless: once the latest created revision is the ready one); else the <c>kserve-container</c>
    /// terminated with Error or in CrashLoopBackOff is FailedToLoad the same way. A crash loop leaves Ready as it is:
    /// only the model status says so (kserve#1859). <c>lastFailureInfo</c> stays once set; the transition status says
    /// whether it is current.
    /// </summary>
    private static JsonObject PropagateModelStatus(JsonObject? previous, List<JsonObject> pods, bool raw, PredictorState state)
    {
        var model = (previous?.DeepClone() as JsonObject) ?? new JsonObject();
        model["copies"] = new JsonObject { ["totalCopies"] = pods.Count(p => Conditions.IsTrue(p["status"], "Ready")) };

        void Update(string target, JsonObject? terminated)
        {
            var states = model["states"] as JsonObject ?? new JsonObject();
            states["targetModelState"] = target;
            if (target == "Loaded")
            {
                states["activeModelState"] = "Loaded";
            }

            states["activeModelState"] ??= string.Empty;
            model["states"] = states;
            model["transitionStatus"] = target switch
            {
                "Loaded" => "UpToDate",
                "FailedToLoad" => "BlockedByFailedLoad",
                _ => "InProgress",
            };
            if (terminated is not null)
            {
                var info = new JsonObject { ["reason"] = "ModelLoadFailed" };
                if (ObjectFields.Text(terminated["message"]) is { Length: > 0 } message)
                {
                    info["message"] = message;
                }

                if (ObjectFields.Integer(terminated["exitCode"], 0) is var code and not 0)
                {
                    info["exitCode"] = code;
                }

                model["lastFailureInfo"] = info;
            }
        }

        JsonObject? Failure(JsonObject container) =>
            ObjectFields.Text(container["state"]?["terminated"]?["reason"]) == "Error" ? container["state"]!["terminated"] as JsonObject
            : ObjectFields.Text(container["state"]?["waiting"]?["reason"]) == "CrashLoopBackOff" ? container["lastState"]?["terminated"] as JsonObject ?? new JsonObject()
            : null;

        if (pods.Count == 0)
        {
            Update(!raw && state.Ready == false ? "FailedToLoad" : "Pending", null);
            return model;
        }

        var first = pods[0]["status"];
        if ((first?["initContainerStatuses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => ObjectFields.Text(c["name"]) == StorageInitializer.ContainerName) is { } init)
        {
            if (init["state"]?["running"] is not null)
            {
                if (init["lastState"]?["terminated"] is null)
                {
                    Update("Loading", null);
                }

                return model;
            }

            if (Failure(init) is { } failed)
            {
                Update("FailedToLoad", failed);
                return model;
            }
        }

        if (state.Ready == true && (raw || state.LatestCreated == state.LatestReady))
        {
            Update("Loaded", null);
            return model;
        }

        if ((first?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => ObjectFields.Text(c["name"]) == "kserve-container") is { } server)
        {
            if (Failure(server) is { } failed)
            {
                Update("FailedToLoad", failed);
            }
            else
            {
                Update("Pending", null);
            }
        }

        return model;
    }

    // The storage initializer is not part of what is compared: KServe's pod webhook injects it into each pod, so a
    // change of the Secret it reads (removed, rotated) makes no new Revision or rollout on a real cluster.
    private static string Hash(JsonObject template)
    {
        var compared = (JsonObject)template.DeepClone();
        (compared["spec"] as JsonObject)?.Remove("initContainers");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(compared.ToJsonString())))[..16];
    }

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

    /// <summary>What the predictor's child says: ready (or not, or unknown) with a reason; its revisions and traffic
    /// (Serverless).</summary>
    private sealed record PredictorState(bool? Ready, string? Reason, string? Message)
    {
        public string? LatestCreated { get; init; }

        public string? LatestReady { get; init; }

        public JsonArray? Traffic { get; init; }
    }
}
