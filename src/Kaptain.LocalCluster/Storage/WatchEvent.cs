using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Storage;

/// <summary>One watch event: its type and the object (a copy the receiver may change).</summary>
/// <param name="Type">ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</param>
/// <param name="Object">The object after the change (for DELETED, its last state; for ERROR, a <c>Status</c>).</param>
public sealed record WatchEvent(WatchEventType Type, JsonObject Object)
{
    /// <summary>The event as the API server writes it on a watch stream: <c>{"type":"ADDED","object":{...}}</c>.</summary>
    public JsonObject ToWire() => new() { ["type"] = Type.ToString().ToUpperInvariant(), ["object"] = Object.DeepClone() };
}
