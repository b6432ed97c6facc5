using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>Writes core/v1 Events about objects, as the real controllers and the kubelet do, so that a client can
/// report why a pod or job failed (<c>kubectl describe</c>, <c>kubectl get events</c>).</summary>
/// <param name="store">The cluster's objects.</param>
/// <param name="time">The clock.</param>
/// <param name="component">The reporting component, e.g. <c>job-controller</c> or <c>kubelet</c>.</param>
internal sealed class EventRecorder(ObjectStore store, TimeProvider time, string component)
{
    /// <summary>Records a Normal event.</summary>
    public void Normal(JsonNode involved, string reason, string message) => Record(involved, "Normal", reason, message);

    /// <summary>Records a Warning event.</summary>
    public void Warning(JsonNode involved, string reason, string message) => Record(involved, "Warning", reason, message);

    private void Record(JsonNode involved, string type, string reason, string message)
    {
        var now = ObjectFields.Timestamp(time.GetUtcNow());
        var ns = ObjectFields.Namespace(involved);
        var name = $"{ObjectFields.Name(involved)}.{Guid.NewGuid():N}"[..Math.Min(253, ObjectFields.Name(involved).Length + 17)];
        var evt = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns.Length > 0 ? ns : "default" },
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = ObjectFields.Text(involved["apiVersion"]),
                ["kind"] = ObjectFields.Text(involved["kind"]),
                ["name"] = ObjectFields.Name(involved),
                ["namespace"] = ns,
                ["uid"] = ObjectFields.Uid(involved),
                ["resourceVersion"] = ObjectFields.Text(involved["metadata"]?["resourceVersion"]),
            },
            ["reason"] = reason,
            ["message"] = message,
            ["type"] = type,
            ["count"] = 1,
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["source"] = new JsonObject { ["component"] = component },
            ["reportingComponent"] = component,
            ["reportingInstance"] = component,
        };
        try
        {
            store.Create(BuiltInResources.Event, evt);
        }
        catch (ApiException)
        {
            // An event is best effort, as in Kubernetes (e.g. the namespace is being deleted).
        }
    }
}
