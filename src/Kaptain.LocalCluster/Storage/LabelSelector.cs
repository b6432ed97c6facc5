using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// A parsed <c>labelSelector</c>: comma-separated requirements <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
/// <c>k notin (a,b)</c>, <c>k</c> (exists) and <c>!k</c> (does not exist), all of which must hold.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<(string Key, string Op, IReadOnlyList<string> Values)> _requirements;

    private LabelSelector(List<(string, string, IReadOnlyList<string>)> requirements) => _requirements = requirements;

    /// <summary>The selector that matches everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>Whether the selector has no requirements.</summary>
    public bool IsEmpty => _requirements.Count == 0;

    /// <summary>Parses a selector string; null or empty matches everything.</summary>
    /// <exception cref="ApiException">400 BadRequest for a malformed selector.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<(string, string, IReadOnlyList<string>)>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0) throw Bad(text);
            if (part.StartsWith('!'))
            {
                requirements.Add((CheckKey(part[1..].Trim(), text), "!", []));
                continue;
            }
            var setMatch = System.Text.RegularExpressions.Regex.Match(part, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
            if (setMatch.Success)
            {
                var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).ToList();
                requirements.Add((CheckKey(setMatch.Groups[1].Value, text), setMatch.Groups[2].Value, values));
                continue;
            }
            var op = part.Contains("!=", StringComparison.Ordinal) ? "!=" : part.Contains("==", StringComparison.Ordinal) ? "==" : part.Contains('=') ? "=" : null;
            if (op is null)
            {
                requirements.Add((CheckKey(part, text), "exists", []));
                continue;
            }
            var index = part.IndexOf(op, StringComparison.Ordinal);
            var key = CheckKey(part[..index].Trim(), text);
            var value = part[(index + op.Length)..].Trim();
            if (value.Contains('=') || value.Contains(' ')) throw Bad(text);
            requirements.Add((key, op == "!=" ? "!=" : "=", [value]));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>Builds a selector that requires every label in <paramref name="labels"/> (a <c>matchLabels</c>).</summary>
    public static LabelSelector FromMatchLabels(IEnumerable<KeyValuePair<string, string>> labels) =>
        new(labels.Select(kv => (kv.Key, "=", (IReadOnlyList<string>)[kv.Value])).ToList());

    /// <summary>Whether an object's labels satisfy every requirement.</summary>
    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var (key, op, values) in _requirements)
        {
            var has = labels is not null && labels.TryGetPropertyValue(key, out var node) && node is not null;
            var value = has ? labels![key]!.GetValue<string>() : null;
            var ok = op switch
            {
                "=" => has && value == values[0],
                "!=" => !has || value != values[0],
                "in" => has && values.Contains(value!),
                "notin" => !has || !values.Contains(value!),
                "exists" => has,
                "!" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static string CheckKey(string key, string text)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/'))) throw Bad(text);
        return key;
    }

    private static ApiException Bad(string text) => StatusErrors.BadRequest($"unable to parse requirement: found '{text}', expected: valid label selector");
}
