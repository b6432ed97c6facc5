using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Manifests;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>Resources as the lifecycle creates them: named, labelled per Contract 2.</summary>
internal static class TestResources
{
    public static JsonObject Labels(string model, string run, string step = "train") => new()
    {
        [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByValue,
        [ManifestLabels.Model] = model,
        [ManifestLabels.Step] = step,
        [ManifestLabels.Run] = run,
    };

    public static JsonObject Secret(string name, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["type"] = "Opaque",
        ["stringData"] = new JsonObject { ["AWS_ACCESS_KEY_ID"] = "test-key" },
    };

    public static JsonObject Job(string name, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "batch/v1",
        ["kind"] = "Job",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["spec"] = new JsonObject
        {
            ["backoffLimit"] = 0,
            ["template"] = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["restartPolicy"] = "Never",
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = "kaniko", ["image"] = "example/kaniko:1" }),
                },
            },
        },
    };

    public static JsonObject TfJob(string name, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "kubeflow.org/v1",
        ["kind"] = "TFJob",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["spec"] = new JsonObject
        {
            ["tfReplicaSpecs"] = new JsonObject
            {
                ["Worker"] = new JsonObject
                {
                    ["replicas"] = 1,
                    ["restartPolicy"] = "OnFailure",
                    ["template"] = new JsonObject
                    {
                        ["spec"] = new JsonObject
                        {
                            ["containers"] = new JsonArray(new JsonObject { ["name"] = "tensorflow", ["image"] = "example/model:1" }),
                        },
                    },
                },
            },
        },
    };

    /// <summary>A pod as a controller creates it: owned by <paramref name="owner"/> when given, pending.</summary>
    public static JsonObject Pod(string name, string @namespace, JsonObject labels, JsonObject? owner = null, string restartPolicy = "Never")
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["labels"] = labels };
        if (owner is not null)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = KubernetesObjectJson.ApiVersion(owner),
                ["kind"] = KubernetesObjectJson.Kind(owner),
                ["name"] = KubernetesObjectJson.Name(owner),
                ["uid"] = KubernetesObjectJson.Uid(owner),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            });
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                // Bound to a node, whose kubelet the test plays: an unbound pod's log is a 204 on a real server.
                ["nodeName"] = "node-1",
                ["restartPolicy"] = restartPolicy,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "example/model:1" }),
            },
        };
    }

    /// <summary>The status a kubelet reports for the pod's one container.</summary>
    public static JsonObject ContainerStatus(string phase, string state, int restartCount, int? exitCode = null)
    {
        var stateNode = new JsonObject();
        stateNode[state] = state == "terminated" ? new JsonObject { ["exitCode"] = exitCode ?? 0 } : new JsonObject();
        return new JsonObject
        {
            ["phase"] = phase,
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = "main",
                ["ready"] = state == "running",
                ["restartCount"] = restartCount,
                ["image"] = "example/model:1",
                ["imageID"] = "",
                ["state"] = stateNode,
            }),
        };
    }
}
