using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Json;

/// <summary>RFC 7386 JSON Merge Patch (<c>application/merge-patch+json</c>): objects merge, null deletes, the rest replaces.</summary>
public static class MergePatch
{
    /// <summary>Returns <paramref name="target"/> with <paramref name="patch"/> merged in (the inputs are not changed).</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject is { } t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else result[key] = Apply(result.TryGetPropertyValue(key, out var existing) ? existing : null, value);
        }
        return result;
    }
}
