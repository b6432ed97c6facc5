using System.Text.Json.Nodes;
using k8s;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Reads the common fields of a resource in its JSON form (<c>apiVersion</c>, <c>kind</c>, <c>metadata</c> and the
/// rest), the representation the resource client works with for every kind, built-in or custom.
/// </summary>
public static class KubernetesObjectJson
{
    /// <summary>The JSON form of a typed KubernetesClient model (a <c>V1Secret</c>, a <c>V1Job</c>).</summary>
    public static JsonObject FromModel(object model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return JsonNode.Parse(KubernetesJson.Serialize(model))?.AsObject()
            ?? throw new ArgumentException("The object serialised to JSON null.", nameof(model));
    }

    /// <summary>Reads the JSON form back into a typed KubernetesClient model.</summary>
    public static T ToModel<T>(JsonObject resource) => KubernetesJson.Deserialize<T>(resource.ToJsonString());

    /// <summary><c>apiVersion</c>, or an empty string.</summary>
    public static string ApiVersion(JsonObject resource) => String(resource, "apiVersion") ?? "";

    /// <summary><c>kind</c>, or an empty string.</summary>
    public static string Kind(JsonObject resource) => String(resource, "kind") ?? "";

    /// <summary><c>metadata.name</c>, or an empty string.</summary>
    public static string Name(JsonObject resource) => String(Metadata(resource), "name") ?? "";

    /// <summary><c>metadata.namespace</c>, or <see langword="null"/>.</summary>
    public static string? Namespace(JsonObject resource) => String(Metadata(resource), "namespace");

    /// <summary><c>metadata.uid</c>, or <see langword="null"/> before the server assigned one.</summary>
    public static string? Uid(JsonObject resource) => String(Metadata(resource), "uid");

    /// <summary><c>metadata.resourceVersion</c>, or <see langword="null"/>.</summary>
    public static string? ResourceVersion(JsonObject resource) => String(Metadata(resource), "resourceVersion");

    /// <summary>Whether <c>metadata.deletionTimestamp</c> is set: the object is being deleted.</summary>
    public static bool IsTerminating(JsonObject resource) => String(Metadata(resource), "deletionTimestamp") is not null;

    /// <summary>The value of one label, or <see langword="null"/>.</summary>
    public static string? Label(JsonObject resource, string key) =>
        Metadata(resource)?["labels"] is JsonObject labels ? String(labels, key) : null;

    /// <summary>All labels (empty when there are none).</summary>
    public static IReadOnlyDictionary<string, string> Labels(JsonObject resource)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Metadata(resource)?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (value is JsonValue text && text.TryGetValue<string>(out var s))
                {
                    result[key] = s;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The string at a dotted path (<c>status.phase</c>, <c>status.conditions</c> is not a string), or
    /// <see langword="null"/>.
    /// </summary>
    public static string? StringAt(JsonObject resource, string dottedPath)
    {
        JsonNode? node = resource;
        foreach (var part in dottedPath.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
    }

    /// <summary>
    /// The status condition of this type (<c>status.conditions[?type==conditionType]</c>), or <see langword="null"/>.
    /// </summary>
    public static JsonObject? Condition(JsonObject resource, string conditionType) =>
        (resource["status"]?["conditions"] as JsonArray)?
        .OfType<JsonObject>()
        .LastOrDefault(condition => String(condition, "type") == conditionType);

    /// <summary>Whether the status condition of this type has <c>status: "True"</c>.</summary>
    public static bool HasTrueCondition(JsonObject resource, string conditionType) =>
        Condition(resource, conditionType) is { } condition && String(condition, "status") == "True";

    private static JsonObject? Metadata(JsonObject resource) => resource["metadata"] as JsonObject;

    private static string? String(JsonObject? obj, string key) =>
        obj?[key] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
}
