using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kaptain.LocalCluster.Json;

/// <summary>
/// Reads YAML (CRD files, server-side apply bodies) into JSON nodes with the YAML 1.2 core schema's scalar rules:
/// plain <c>true</c>/<c>false</c>/<c>null</c>/numbers are typed, quoted scalars stay strings.
/// </summary>
public static partial class YamlToJson
{
    /// <summary>Parses every document of a YAML stream; empty documents are skipped.</summary>
    public static IReadOnlyList<JsonNode?> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).Select(d => Convert(d.RootNode)).ToList();
    }

    /// <summary>Parses one YAML (or JSON) document.</summary>
    public static JsonNode? Parse(string yaml) => ParseDocuments(yaml).FirstOrDefault();

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                    obj[((YamlScalarNode)key).Value ?? ""] = Convert(value);
                return obj;
            case YamlSequenceNode seq:
                var arr = new JsonArray();
                foreach (var item in seq.Children) arr.Add(Convert(item));
                return arr;
            case YamlScalarNode scalar:
                return ConvertScalar(scalar);
            default:
                return null;
        }
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain) return JsonValue.Create(value);
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
