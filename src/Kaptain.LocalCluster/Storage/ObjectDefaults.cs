using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// The defaulting the real API server does for the built-in kinds that matter here (the registry strategies'
/// PrepareForCreate and the defaulting functions), kept to what clients and controllers observe.
/// </summary>
internal static class ObjectDefaults
{
    public static void ForCreate(ResourceType type, JsonObject obj)
    {
        ForWrite(type, obj);
        if (type == BuiltInResources.Namespace)
        {
            var name = ObjectStore.Name(obj);
            Labels(obj)["kubernetes.io/metadata.name"] = name;
            Spec(obj)["finalizers"] ??= new JsonArray("kubernetes");
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }
        else if (type == BuiltInResources.Pod)
        {
            var spec = Spec(obj);
            spec["restartPolicy"] ??= "Always";
            spec["dnsPolicy"] ??= "ClusterFirst";
            spec["schedulerName"] ??= "default-scheduler";
            spec["serviceAccountName"] ??= spec["serviceAccount"]?.DeepClone() ?? "default";
            spec["terminationGracePeriodSeconds"] ??= 30;
            spec["enableServiceLinks"] ??= true;
            spec["securityContext"] ??= new JsonObject();
            // The Priority and DefaultTolerationSeconds admission plugins (on by default).
            spec["priority"] ??= 0;
            var tolerations = spec["tolerations"] as JsonArray ?? (JsonArray)(spec["tolerations"] = new JsonArray());
            foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
            {
                if (!tolerations.OfType<JsonObject>().Any(t => t["key"]?.GetValue<string>() == key))
                    tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
            }
            foreach (var container in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                container["imagePullPolicy"] ??= container["image"]?.GetValue<string>() is { } image && (image.EndsWith(":latest", StringComparison.Ordinal) || !image.Contains(':')) ? "Always" : "IfNotPresent";
                container["terminationMessagePath"] ??= "/dev/termination-log";
                container["terminationMessagePolicy"] ??= "File";
            }
            obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
        }
        else if (type == BuiltInResources.Job)
        {
            var spec = Spec(obj);
            spec["parallelism"] ??= 1;
            spec["completions"] ??= 1;
            spec["backoffLimit"] ??= 6;
            spec["completionMode"] ??= "NonIndexed";
            spec["suspend"] ??= false;
            if (spec["manualSelector"]?.GetValue<bool>() != true)
            {
                // The Job controller's pods are found by these labels (pkg/registry/batch/job/strategy.go generateSelector).
                var uid = ObjectStore.Metadata(obj)["uid"]?.GetValue<string>() ?? "";
                var template = spec["template"] as JsonObject ?? (JsonObject)(spec["template"] = new JsonObject());
                var templateMeta = template["metadata"] as JsonObject ?? (JsonObject)(template["metadata"] = new JsonObject());
                var labels = templateMeta["labels"] as JsonObject ?? (JsonObject)(templateMeta["labels"] = new JsonObject());
                labels["controller-uid"] = uid;
                labels["batch.kubernetes.io/controller-uid"] = uid;
                labels["job-name"] = ObjectStore.Name(obj);
                labels["batch.kubernetes.io/job-name"] = ObjectStore.Name(obj);
                spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
            }
            obj["status"] = new JsonObject();
        }
        else if (type == BuiltInResources.Deployment)
        {
            var spec = Spec(obj);
            spec["replicas"] ??= 1;
            spec["revisionHistoryLimit"] ??= 10;
            spec["progressDeadlineSeconds"] ??= 600;
            spec["strategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" } };
            obj["status"] = new JsonObject();
        }
        else if (type == BuiltInResources.Service)
        {
            var spec = Spec(obj);
            spec["type"] ??= "ClusterIP";
            spec["sessionAffinity"] ??= "None";
            if (spec["clusterIP"] is null && spec["type"]?.GetValue<string>() != "ExternalName")
            {
                var ip = $"10.96.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";
                spec["clusterIP"] = ip;
                spec["clusterIPs"] = new JsonArray(ip);
            }
            foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }
            obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        else if (type == BuiltInResources.ServiceAccount)
        {
            // Nothing to default.
        }
    }

    public static void ForUpdate(ResourceType type, JsonObject obj, JsonObject old)
    {
        ForWrite(type, obj);
        if (type == BuiltInResources.Job)
        {
            // The selector and the generated template labels are immutable; keep the stored ones if the client dropped them.
            var spec = Spec(obj);
            spec["selector"] ??= old["spec"]?["selector"]?.DeepClone();
        }
    }

    private static void ForWrite(ResourceType type, JsonObject obj)
    {
        if (type == BuiltInResources.Secret)
        {
            // stringData is write-only: merged into data, base64-encoded (pkg/apis/core/v1/conversion.go).
            if (obj["stringData"] is JsonObject stringData)
            {
                var data = obj["data"] as JsonObject ?? (JsonObject)(obj["data"] = new JsonObject());
                foreach (var (key, value) in stringData)
                    data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
                obj.Remove("stringData");
            }
            obj["type"] ??= "Opaque";
        }
    }

    private static JsonObject Spec(JsonObject obj) => obj["spec"] as JsonObject ?? (JsonObject)(obj["spec"] = new JsonObject());

    private static JsonObject Labels(JsonObject obj)
    {
        var meta = ObjectStore.Metadata(obj);
        return meta["labels"] as JsonObject ?? (JsonObject)(meta["labels"] = new JsonObject());
    }
}
