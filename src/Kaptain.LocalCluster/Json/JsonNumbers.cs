using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Json;

/// <summary>
/// Reads numbers from JSON nodes whatever backs them: a parsed <see cref="JsonElement"/>, or an int, long or double
/// that code put there (<c>GetValue&lt;long&gt;</c> throws on an int-backed value).
/// </summary>
public static class JsonNumbers
{
    /// <summary>The number as a double, or null when the node is not a number.</summary>
    public static double? AsDouble(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    /// <summary>The number as a long, or null when the node is not a whole number.</summary>
    public static long? AsLong(JsonNode? node) =>
        AsDouble(node) is double d && Math.Floor(d) == d && d is >= long.MinValue and <= long.MaxValue ? (long)d : null;

    /// <summary>Whether the node is a whole number.</summary>
    public static bool IsInteger(JsonNode? node) => AsLong(node) is not null;
}
