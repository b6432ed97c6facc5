using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Json;

/// <summary>
/// Strategic merge patch (<c>application/strategic-merge-patch+json</c>) for the built-in kinds: a merge patch in which
/// lists that Kubernetes declares with a patch merge key (containers by <c>name</c>, conditions by <c>type</c>...) merge
/// element by element, and the <c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder</c> and
/// <c>$deleteFromPrimitiveList</c> directives kubectl sends are honoured. The merge keys come from a table of the
/// built-in types' <c>patchMergeKey</c> tags rather than from the OpenAPI schema.
/// </summary>
public static class StrategicMergePatch
{
    // Field name -> merge key, from the patchMergeKey tags of k8s.io/api (core, apps, batch, meta).
    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["secrets"] = "name",
        ["containerStatuses"] = "name",
        ["initContainerStatuses"] = "name",
    };

    // Lists of scalars whose patch strategy is merge (union) rather than replace.
    private static readonly HashSet<string> MergedPrimitiveLists = ["finalizers"];

    /// <summary>Returns <paramref name="target"/> with the strategic merge <paramref name="patch"/> applied.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => MergeValue(null, target?.DeepClone(), patch);

    private static JsonNode? MergeValue(string? field, JsonNode? target, JsonNode? patch)
    {
        if (patch is JsonObject po)
            return MergeObject(target as JsonObject, po);
        if (patch is JsonArray pa && field is not null)
            return MergeList(field, target as JsonArray, pa);
        return patch?.DeepClone();
    }

    private static JsonObject? MergeObject(JsonObject? target, JsonObject patch)
    {
        var directive = patch["$patch"]?.GetValue<string>();
        if (directive == "delete") return null;
        if (directive == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }
        var result = target ?? new JsonObject();
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (var key in result.Select(p => p.Key).ToList())
                if (!keep.Contains(key)) result.Remove(key);
        }
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listName = key["$deleteFromPrimitiveList/".Length..];
                if (result[listName] is JsonArray list && value is JsonArray remove)
                {
                    foreach (var item in list.Where(i => remove.Any(r => JsonNode.DeepEquals(r, i))).ToList()) list.Remove(item);
                }
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            result.TryGetPropertyValue(key, out var existing);
            var merged = MergeValue(key, existing?.DeepClone(), value);
            if (merged is null && value is JsonObject) result.Remove(key);
            else result[key] = merged;
        }
        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? target, JsonArray patch)
    {
        if (patch.Count == 1 && patch[0] is JsonObject only && only["$patch"]?.GetValue<string>() == "replace")
            return [];
        if (MergedPrimitiveLists.Contains(field))
        {
            var union = target is null ? new JsonArray() : (JsonArray)target.DeepClone();
            foreach (var item in patch)
                if (!union.Any(u => JsonNode.DeepEquals(u, item))) union.Add(item?.DeepClone());
            return union;
        }
        var mergeKey = MergeKeyFor(field, patch, target);
        if (mergeKey is null || target is null)
        {
            var replaced = new JsonArray();
            foreach (var item in patch)
                if (item is not JsonObject o || o["$patch"] is null) replaced.Add(item?.DeepClone());
            return replaced;
        }
        var result = (JsonArray)target.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject element) continue;
            var key = element[mergeKey];
            var index = -1;
            for (var i = 0; i < result.Count; i++)
                if (result[i] is JsonObject r && JsonNode.DeepEquals(r[mergeKey], key)) { index = i; break; }
            if (element["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0) result.RemoveAt(index);
                continue;
            }
            if (index >= 0)
                result[index] = MergeObject((JsonObject)result[index]!.DeepClone(), element);
            else
                result.Add(MergeObject(null, element));
        }
        return result;
    }

    private static string? MergeKeyFor(string field, JsonArray patch, JsonArray? target)
    {
        if (field == "ports")
        {
            // Container ports merge on containerPort, service ports on port.
            var sample = patch.OfType<JsonObject>().Concat(target?.OfType<JsonObject>() ?? []).FirstOrDefault();
            return sample is null ? null : sample.ContainsKey("containerPort") ? "containerPort" : "port";
        }
        return MergeKeys.GetValueOrDefault(field);
    }
}
