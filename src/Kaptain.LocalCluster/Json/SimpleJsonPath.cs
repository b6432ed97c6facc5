using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kaptain.LocalCluster.Json;

/// <summary>
/// The JSONPath subset CRD printer columns use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[-1:]</c>, <c>.a[*].b</c> and
/// <c>.a[?(@.type=="Ready")].status</c>.
/// </summary>
public static partial class SimpleJsonPath
{
    /// <summary>The values the path selects (empty when none).</summary>
    public static IReadOnlyList<JsonNode> Select(JsonNode? root, string path)
    {
        var current = new List<JsonNode>();
        if (root is not null) current.Add(root);
        foreach (Match m in Step().Matches(path.Trim().TrimStart('{').TrimEnd('}')))
        {
            var next = new List<JsonNode>();
            foreach (var node in current)
            {
                if (m.Groups["field"].Success)
                {
                    if (node is JsonObject o && o[m.Groups["field"].Value] is { } child) next.Add(child);
                }
                else if (node is JsonArray a)
                {
                    var index = m.Groups["index"].Value;
                    if (m.Groups["filterKey"].Success)
                    {
                        var want = m.Groups["filterValue"].Value;
                        next.AddRange(a.OfType<JsonObject>().Where(e => e[m.Groups["filterKey"].Value]?.ToString() == want));
                    }
                    else if (index == "*") next.AddRange(a.Where(e => e is not null)!);
                    else if (index.EndsWith(':'))
                    {
                        var start = int.Parse(index[..^1], System.Globalization.CultureInfo.InvariantCulture);
                        if (start < 0) start = Math.Max(0, a.Count + start);
                        next.AddRange(a.Skip(start).Where(e => e is not null)!);
                    }
                    else if (int.TryParse(index, out var i))
                    {
                        if (i < 0) i += a.Count;
                        if (i >= 0 && i < a.Count && a[i] is { } e) next.Add(e);
                    }
                }
            }
            current = next;
        }
        return current;
    }

    [GeneratedRegex(@"\.(?<field>[A-Za-z0-9_\-/]+)|\[\?\(@\.(?<filterKey>[A-Za-z0-9_]+)\s*==\s*['""](?<filterValue>[^'""]*)['""]\)\]|\[(?<index>[^\]]+)\]")]
    private static partial Regex Step();
}
