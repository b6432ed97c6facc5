using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Operators;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>Writes core/v1 Events about objects, as the real controllers and the kubelet do, so that a client can
/// report why a pod or job failed (<c>kubectl describe</c>, <c>kubectl get events</c>).
/// Events are sent in the background, one at a time, as client-go's event broadcaster does: recording never waits
/// for the API server.</summary>
/// <param name="store">The cluster's API.</param>
/// <param name="time">The clock.</param>
/// <param name="component">The reporting component, e.g. <c>job-controller</c> or <c>kubelet</c>.</param>
internal sealed class EventRecorder(IClusterApi store, TimeProvider time, string component)
{
    private readonly System.Threading.Channels.Channel<JsonObject> _pending = System.Threading.Channels.Channel.CreateUnbounded<JsonObject>(new() { SingleReader = true });
    private int _sending;

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
        _pending.Writer.TryWrite(evt);
        if (Interlocked.Exchange(ref _sending, 1) == 0)
        {
            _ = Task.Run(SendAsync);
        }
    }

    private async Task SendAsync()
    {
        while (true)
        {
            while (_pending.Reader.TryRead(out var evt))
            {
                try
                {
                    await store.CreateAsync(BuiltInResources.Event, evt).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ApiException or HttpRequestException or IOException or OperationCanceledException)
                {
                    // An event is best effort, as in Kubernetes (e.g. the namespace is being deleted).
                }
            }

            Volatile.Write(ref _sending, 0);
            if (!_pending.Reader.TryPeek(out _) || Interlocked.Exchange(ref _sending, 1) == 1)
            {
                return;
            }
        }
    }
}
