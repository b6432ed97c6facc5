using System.Globalization;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>Reading and writing the common fields of an API object held as JSON (metadata, owner references, labels).</summary>
internal static class ObjectFields
{
    /// <summary>The <c>metadata.name</c>.</summary>
    public static string Name(JsonNode obj) => Text(obj["metadata"]?["name"]) ?? string.Empty;

    /// <summary>The <c>metadata.namespace</c>.</summary>
    public static string Namespace(JsonNode obj) => Text(obj["metadata"]?["namespace"]) ?? string.Empty;

    /// <summary>The <c>metadata.uid</c>.</summary>
    public static string Uid(JsonNode obj) => Text(obj["metadata"]?["uid"]) ?? string.Empty;

    /// <summary>Whether <c>metadata.deletionTimestamp</c> is set.</summary>
    public static bool IsDeleting(JsonNode obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    /// <summary>The <c>metadata.generation</c> (1 when absent).</summary>
    public static long Generation(JsonNode obj) => Integer(obj["metadata"]?["generation"], 1);

    /// <summary>A string value, or null when absent or not a string.</summary>
    public static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>An integer value (also from a string), or the fallback.</summary>
    public static long Integer(JsonNode? node, long fallback)
    {
        if (node is not JsonValue value)
        {
            return fallback;
        }

        // A number built in memory keeps its CLR type (int, long...), one parsed from JSON is a JsonElement: read the text.
        if (value.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return (long)number;
        }

        return value.TryGetValue<string>(out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
    }

    /// <summary>The object's labels.</summary>
    public static IReadOnlyDictionary<string, string> Labels(JsonNode obj) => StringMap(obj["metadata"]?["labels"]);

    /// <summary>The object's annotations.</summary>
    public static IReadOnlyDictionary<string, string> Annotations(JsonNode obj) => StringMap(obj["metadata"]?["annotations"]);

    /// <summary>A JSON object of strings as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject map
            ? map.Where(p => Text(p.Value) is not null).ToDictionary(p => p.Key, p => Text(p.Value)!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The <c>metadata</c> object, created when missing.</summary>
    public static JsonObject Metadata(JsonObject obj) => obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    /// <summary>A JSON object child, created when missing.</summary>
    public static JsonObject Child(JsonObject parent, string name) => parent[name] as JsonObject ?? (JsonObject)(parent[name] = new JsonObject());

    /// <summary>The owner reference marked <c>controller: true</c>, or null.</summary>
    public static JsonNode? ControllerOf(JsonNode obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.FirstOrDefault(r => r?["controller"] is JsonValue c && c.TryGetValue<bool>(out var isController) && isController);

    /// <summary>Whether <paramref name="obj"/> is controlled by the object with <paramref name="ownerUid"/>.</summary>
    public static bool IsControlledBy(JsonNode obj, string ownerUid) => ControllerOf(obj) is { } owner && Text(owner["uid"]) == ownerUid;

    /// <summary>
    /// Whether a Deployment's <c>spec.selector.matchLabels</c> selects <paramref name="pod"/>: how the clients of a
    /// Deployment (KServe, Knative, <c>kubectl rollout status</c>) find its pods. Ownership does not serve for that: the
    /// real Deployment controller's pods are owned by its ReplicaSet (kubernetes/kubernetes pkg/controller/deployment),
    /// the stand-in's by the Deployment itself.
    /// </summary>
    public static bool IsSelectedBy(JsonNode pod, JsonNode deployment)
    {
        var wanted = StringMap(deployment["spec"]?["selector"]?["matchLabels"]);
        var labels = Labels(pod);
        return wanted.Count > 0 && wanted.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
    }

    /// <summary>An owner reference to <paramref name="owner"/> as a controller (blocking foreground deletion), as the
    /// real controllers set it.</summary>
    public static JsonObject OwnerReference(JsonNode owner) => new()
    {
        ["apiVersion"] = Text(owner["apiVersion"]),
        ["kind"] = Text(owner["kind"]),
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>A timestamp as the API writes it (RFC 3339, seconds).</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Parses a timestamp written by <see cref="Timestamp"/>, or null.</summary>
    public static DateTimeOffset? ParseTimestamp(JsonNode? node) =>
        Text(node) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>Whether two JSON nodes are equal (for "write only when changed").</summary>
    public static bool SameJson(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);
}
