using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// A parsed <c>fieldSelector</c>: comma-separated <c>field=value</c>, <c>field==value</c> and <c>field!=value</c>.
/// Every type supports <c>metadata.name</c> and <c>metadata.namespace</c>; other fields only where the real server
/// supports them (<see cref="ResourceType.SelectableFields"/>), anything else is 400 as it is there.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> _requirements;

    private FieldSelector(List<(string, bool, string)> requirements) => _requirements = requirements;

    /// <summary>The selector that matches everything.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The single <c>metadata.name</c> this selector pins, if it does (a watch of one object).</summary>
    public string? Name => _requirements.FirstOrDefault(r => r.Field == "metadata.name" && r.Equal).Value;

    /// <summary>Parses a selector for <paramref name="type"/>; null or empty matches everything.</summary>
    /// <exception cref="ApiException">400 BadRequest for a malformed selector or an unsupported field.</exception>
    public static FieldSelector Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var (op, equal) = part.Contains("!=", StringComparison.Ordinal) ? ("!=", false) : part.Contains("==", StringComparison.Ordinal) ? ("==", true) : part.Contains('=') ? ("=", true) : (null, false);
            if (op is null) throw StatusErrors.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            var index = part.IndexOf(op, StringComparison.Ordinal);
            var field = part[..index].Trim();
            var value = part[(index + op.Length)..].Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !type.SelectableFields.Contains(field))
                throw StatusErrors.BadRequest($"field label not supported: {field}");
            requirements.Add((field, equal, value));
        }
        return new FieldSelector(requirements);
    }

    /// <summary>Whether an object satisfies every requirement.</summary>
    public bool Matches(JsonObject obj)
    {
        foreach (var (field, equal, value) in _requirements)
        {
            var actual = ValueOf(obj, field);
            if ((actual == value) != equal) return false;
        }
        return true;
    }

    private static string ValueOf(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var segment in field.Split('.'))
            node = node is JsonObject o ? o[segment] : null;
        if (field == "source" && node is JsonObject source) node = source["component"];
        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            _ => node.ToJsonString(),
        };
    }
}
