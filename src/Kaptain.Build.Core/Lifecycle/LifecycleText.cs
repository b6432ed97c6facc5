using System.Globalization;
using System.Text.Json.Nodes;

namespace Kaptain.Build.Lifecycle;

/// <summary>How the lifecycle writes sizes, durations and resource states in its progress lines.</summary>
internal static class LifecycleText
{
    /// <summary><c>812 B</c>, <c>12.3 KB</c>, <c>4.0 MB</c>, <c>1.2 GB</c> (powers of 1000, as tools print transfer sizes).</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1000 => $"{bytes} B",
        < 1000 * 1000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1000.0:0.0} KB"),
        < 1000L * 1000 * 1000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1000.0 / 1000:0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1000.0 / 1000 / 1000:0.0} GB"),
    };

    /// <summary><c>0.4 s</c>, <c>12 s</c>, <c>3 min 5 s</c>.</summary>
    public static string Duration(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds} s"),
    };

    /// <summary>
    /// The status conditions of a resource, one per entry: <c>Ready=False (RevisionMissing: message)</c>; "(no
    /// conditions)" when there are none.
    /// </summary>
    public static string Conditions(JsonObject? resource)
    {
        var conditions = (resource?["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (conditions.Count == 0)
        {
            return "(no conditions)";
        }

        return string.Join("; ", conditions.Select(Condition));
    }

    /// <summary>One condition: <c>type=status (reason: message)</c>.</summary>
    public static string Condition(JsonObject condition)
    {
        var text = $"{Text(condition["type"])}={Text(condition["status"])}";
        var reason = Text(condition["reason"]);
        var message = Text(condition["message"]);
        return (reason, message) switch
        {
            ("", "") => text,
            (_, "") => $"{text} ({reason})",
            ("", _) => $"{text} ({message})",
            _ => $"{text} ({reason}: {message})",
        };
    }

    /// <summary>The string value of a JSON node, or an empty string.</summary>
    /// <summary>A whole number, whether parsed from the wire or built in code (an int or a long), else null.</summary>
    public static long? Number(JsonNode? node) =>
        node is JsonValue value
            ? value.TryGetValue<long>(out var l) ? l : value.TryGetValue<int>(out var i) ? i : null
            : null;

    public static string Text(JsonNode? node) =>
        node is JsonValue value
            ? value.TryGetValue<string>(out var s) ? s : value.ToJsonString()
            : string.Empty;

    /// <summary>Lines joined for a diagnostic, each indented, or <paramref name="none"/> when there are none.</summary>
    public static string Lines(IEnumerable<string> lines, string none)
    {
        var list = lines.ToList();
        return list.Count == 0 ? none : string.Join(Environment.NewLine, list.Select(line => "  " + line));
    }

    /// <summary>A condition's reason and message, for a diagnostic.</summary>
    public static string Reason(JsonObject? condition)
    {
        if (condition is null)
        {
            return "no reason given";
        }

        var reason = Text(condition["reason"]);
        var message = Text(condition["message"]);
        return (reason, message) switch
        {
            ("", "") => "no reason given",
            (_, "") => reason,
            ("", _) => message,
            _ => $"{reason}: {message}",
        };
    }
}
