using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Small objects the tests create.</summary>
internal static class Manifests
{
    public static JsonObject ConfigMap(string name, string ns = "default", Dictionary<string, string>? labels = null)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (labels is not null)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels) l[k] = v;
            meta["labels"] = l;
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["key"] = "value" } };
    }

    public static JsonObject Pod(string name, string ns = "default", params string[] containers)
    {
        var list = new JsonArray();
        foreach (var c in containers.Length == 0 ? ["main"] : containers)
            list.Add(new JsonObject { ["name"] = c, ["image"] = "busybox" });
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            // On a node, as a scheduler (or the simulated kubelet) puts it: the log of an unbound pod is 204 No Content.
            ["spec"] = new JsonObject { ["containers"] = list, ["restartPolicy"] = "Never", ["nodeName"] = "kaptain-local-node" },
        };
    }

    public static JsonObject OwnedBy(JsonObject obj, JsonObject owner, bool blockOwnerDeletion = true)
    {
        obj["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = owner["apiVersion"]!.GetValue<string>(),
            ["kind"] = owner["kind"]!.GetValue<string>(),
            ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
            ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
            ["controller"] = true,
            ["blockOwnerDeletion"] = blockOwnerDeletion,
        });
        return obj;
    }

    /// <summary>A valid TFJob (one worker).</summary>
    public static JsonObject TfJob(string name, JsonNode? replicas = null) => new()
    {
        ["apiVersion"] = "kubeflow.org/v1",
        ["kind"] = "TFJob",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["tfReplicaSpecs"] = new JsonObject
            {
                ["Worker"] = new JsonObject
                {
                    ["replicas"] = replicas ?? 1,
                    ["restartPolicy"] = "Never",
                    ["template"] = new JsonObject
                    {
                        ["spec"] = new JsonObject
                        {
                            ["containers"] = new JsonArray(new JsonObject { ["name"] = "tensorflow", ["image"] = "tensorflow/tensorflow:2.16.1" }),
                        },
                    },
                },
            },
        },
    };
}
