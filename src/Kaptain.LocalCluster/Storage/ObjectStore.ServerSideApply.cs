using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Storage;

/// <summary>Server-side apply: the applied configuration per field manager and the fields a manager stopped applying.</summary>
public sealed partial class ObjectStore
{
    private JsonNode ServerSideApply(ResourceType type, Entry entry, JsonObject current, JsonNode patch, WriteOptions options)
    {
        // Server-side apply, simplified: the applied configuration merges into the object (lists with merge keys merge by
        // key), and fields this manager applied last time but no longer applies are removed. There are no managedFields
        // and so no conflicts between managers.
        if (patch is not JsonObject applied) throw StatusErrors.BadRequest("the apply configuration must be an object");
        var manager = options.FieldManager ?? "";
        var merged = (JsonObject)StrategicMergePatch.Apply(current, applied)!;
        if (entry.Applied.TryGetValue(manager, out var previous)) RemoveDropped(merged, previous, applied);
        if (!options.DryRun) entry.Applied[manager] = (JsonObject)applied.DeepClone();
        return merged;
    }

    private static void RemoveDropped(JsonObject target, JsonObject previous, JsonObject now)
    {
        foreach (var (key, value) in previous)
        {
            if (key is "apiVersion" or "kind" || (key is "name" or "namespace")) continue;
            if (!now.TryGetPropertyValue(key, out var nowValue)) target.Remove(key);
            else if (value is JsonObject p && nowValue is JsonObject n && target[key] is JsonObject t) RemoveDropped(t, p, n);
        }
    }
}
