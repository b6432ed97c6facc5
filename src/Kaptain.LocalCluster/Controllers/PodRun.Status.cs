using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>The pod status the kubelet writes through <c>pods/status</c>: phase, conditions, container states.</summary>
internal sealed partial class PodRun
{
    /// <summary>Knative's sidecar in a Revision's pods (knative/serving pkg/reconciler/revision/resources/queue.go).</summary>
    private const string QueueProxy = "queue-proxy";

    private string? _startedAt;

    /// <summary>The <c>terminated</c> state of <paramref name="container"/> after <paramref name="exit"/>, its message as the
    /// kubelet reads it (see <see cref="TerminationMessage"/>); call it before the container's log is restarted.</summary>
    private JsonObject Terminated(Exit exit, string container) => new()
    {
        ["exitCode"] = exit.Code,
        ["reason"] = exit.Code == 0 ? "Completed" : exit.Reason,
        ["message"] = TerminationMessage.For(
            ObjectFields.Text((_pod["spec"]?["containers"] as JsonArray ?? []).FirstOrDefault(c => ObjectFields.Text(c?["name"]) == container)?["terminationMessagePolicy"]),
            exit.Code,
            exit.Message,
            _cluster.Logs.Read(_ns, _name, container).Select(line => line.Text).ToList()),
        ["startedAt"] = ObjectFields.Timestamp(Now),
        ["finishedAt"] = ObjectFields.Timestamp(Now),
        ["containerID"] = $"containerd://{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(_name + _containers[0])))}",
    };

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
            var sidecar = name == QueueProxy && !current.ContainsKey("terminated")
                && ObjectFields.Text(current["waiting"]?["reason"]) != "ContainerCreating";
            if (sidecar)
            {
                // Knative's queue-proxy (its own image, always there) runs while the user container cannot be pulled,
                // or crashes and restarts beside it; it is ready when the pod is (its probe forwards to the user
                // container's).
                _startedAt ??= ObjectFields.Timestamp(Now);
                current = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = _startedAt } };
            }

            statuses.Add(new JsonObject
            {
                ["name"] = name,
                ["image"] = image,
                ["imageID"] = $"{image}@sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(image)))}",
                ["ready"] = ready,
                ["started"] = current.ContainsKey("running"),
                ["restartCount"] = sidecar ? 0 : restartCount,
                ["state"] = current,
                ["lastState"] = !sidecar && _lastStates.TryGetValue(name, out var last) ? last.DeepClone() : new JsonObject(),
            });
        }

        return statuses;
    }
}
