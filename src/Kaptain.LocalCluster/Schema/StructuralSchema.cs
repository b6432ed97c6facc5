using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kaptain.LocalCluster.Schema;

/// <summary>
/// The parts of a CRD's <c>openAPIV3Schema</c> that the API server enforces: type, properties, additionalProperties,
/// items, required, enum, pattern, length/size/number bounds, default, nullable, and the Kubernetes extensions
/// <c>x-kubernetes-int-or-string</c>, <c>x-kubernetes-preserve-unknown-fields</c> and
/// <c>x-kubernetes-embedded-resource</c>. CEL rules (<c>x-kubernetes-validations</c>) and formats are not enforced.
/// </summary>
public sealed class StructuralSchema
{
    private Regex? _pattern;

    /// <summary>The OpenAPI type (<c>object</c>, <c>array</c>, <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>), or null.</summary>
    public string? Type { get; private init; }

    /// <summary>Declared properties of an object.</summary>
    public IReadOnlyDictionary<string, StructuralSchema> Properties { get; private init; } = new Dictionary<string, StructuralSchema>();

    /// <summary>The schema of map values (<c>additionalProperties</c>), or null.</summary>
    public StructuralSchema? AdditionalProperties { get; private init; }

    /// <summary>The schema of array items, or null.</summary>
    public StructuralSchema? Items { get; private init; }

    /// <summary>Required property names.</summary>
    public IReadOnlyList<string> Required { get; private init; } = [];

    /// <summary>Allowed values, or null.</summary>
    public JsonArray? Enum { get; private init; }

    /// <summary>The ECMA regular expression strings must match, or null.</summary>
    public string? Pattern { get; private init; }

    /// <summary>Minimum of a number.</summary>
    public double? Minimum { get; private init; }

    /// <summary>Maximum of a number.</summary>
    public double? Maximum { get; private init; }

    /// <summary>Whether <see cref="Minimum"/> is exclusive.</summary>
    public bool ExclusiveMinimum { get; private init; }

    /// <summary>Whether <see cref="Maximum"/> is exclusive.</summary>
    public bool ExclusiveMaximum { get; private init; }

    /// <summary>Minimum string length.</summary>
    public long? MinLength { get; private init; }

    /// <summary>Maximum string length.</summary>
    public long? MaxLength { get; private init; }

    /// <summary>Minimum array size.</summary>
    public long? MinItems { get; private init; }

    /// <summary>Maximum array size.</summary>
    public long? MaxItems { get; private init; }

    /// <summary>Minimum number of object properties.</summary>
    public long? MinProperties { get; private init; }

    /// <summary>Maximum number of object properties.</summary>
    public long? MaxProperties { get; private init; }

    /// <summary>The default value applied when the field is absent.</summary>
    public JsonNode? Default { get; private init; }

    /// <summary>Whether null is accepted.</summary>
    public bool Nullable { get; private init; }

    /// <summary>Whether unknown fields are kept rather than pruned.</summary>
    public bool PreserveUnknownFields { get; private init; }

    /// <summary>Whether the value may be an integer or a string.</summary>
    public bool IntOrString { get; private init; }

    /// <summary>Whether the value is an embedded object (its apiVersion, kind and metadata are kept).</summary>
    public bool EmbeddedResource { get; private init; }

    /// <summary>The compiled <see cref="Pattern"/>.</summary>
    internal Regex? PatternRegex => _pattern ??= Pattern is null ? null : new Regex(Pattern, RegexOptions.ECMAScript | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>Reads a schema from its JSON form (an <c>openAPIV3Schema</c> node).</summary>
    public static StructuralSchema Parse(JsonObject node)
    {
        var properties = new Dictionary<string, StructuralSchema>(StringComparer.Ordinal);
        if (node["properties"] is JsonObject props)
            foreach (var (name, value) in props)
                if (value is JsonObject p) properties[name] = Parse(p);
        return new StructuralSchema
        {
            Type = node["type"]?.GetValue<string>(),
            Properties = properties,
            AdditionalProperties = node["additionalProperties"] is JsonObject ap ? Parse(ap) : null,
            Items = node["items"] is JsonObject items ? Parse(items) : null,
            Required = node["required"] is JsonArray req ? req.Select(r => r!.GetValue<string>()).ToList() : [],
            Enum = node["enum"] as JsonArray,
            Pattern = node["pattern"]?.GetValue<string>(),
            Minimum = Number(node["minimum"]),
            Maximum = Number(node["maximum"]),
            ExclusiveMinimum = node["exclusiveMinimum"]?.GetValue<bool>() ?? false,
            ExclusiveMaximum = node["exclusiveMaximum"]?.GetValue<bool>() ?? false,
            MinLength = (long?)Number(node["minLength"]),
            MaxLength = (long?)Number(node["maxLength"]),
            MinItems = (long?)Number(node["minItems"]),
            MaxItems = (long?)Number(node["maxItems"]),
            MinProperties = (long?)Number(node["minProperties"]),
            MaxProperties = (long?)Number(node["maxProperties"]),
            Default = node.TryGetPropertyValue("default", out var d) ? d?.DeepClone() : null,
            Nullable = node["nullable"]?.GetValue<bool>() ?? false,
            PreserveUnknownFields = node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() ?? false,
            IntOrString = node["x-kubernetes-int-or-string"]?.GetValue<bool>() ?? false,
            EmbeddedResource = node["x-kubernetes-embedded-resource"]?.GetValue<bool>() ?? false,
        };
    }

    private static double? Number(JsonNode? node) => Json.JsonNumbers.AsDouble(node);
}
