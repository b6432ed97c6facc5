using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;

namespace Kaptain.LocalCluster.Schema;

/// <summary>
/// Applies a CRD's structural schema to a custom resource the way the apiextensions API server does, in its order:
/// unknown fields are pruned, defaults filled in, then the object is validated. Causes carry the field path
/// (<c>spec.pytorchReplicaSpecs.Master.replicas</c>, <c>spec.containers[0].image</c>) and the real server's reasons.
/// </summary>
public static class StructuralSchemaValidator
{
    /// <summary>Prunes, defaults and validates <paramref name="obj"/> in place.</summary>
    /// <param name="schema">The version's <c>openAPIV3Schema</c>.</param>
    /// <param name="obj">The object; changed in place.</param>
    /// <param name="causes">Receives the validation failures.</param>
    /// <param name="pruned">Receives the paths of the unknown fields that were removed.</param>
    public static void Apply(StructuralSchema schema, JsonObject obj, List<StatusCause> causes, List<string> pruned) =>
        Visit(schema, obj, "", causes, pruned, isRoot: true);

    private static void Visit(StructuralSchema schema, JsonNode? node, string path, List<StatusCause> causes, List<string> pruned, bool isRoot = false)
    {
        if (node is null) return;
        if (!TypeMatches(schema, node))
        {
            var actual = TypeName(node);
            causes.Add(new StatusCause("FieldValueTypeInvalid",
                $"Invalid value: \"{actual}\": {path} in body must be of type {schema.Type}: \"{actual}\"", path));
            return;
        }
        if (schema.Enum is { } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            causes.Add(new StatusCause("FieldValueNotSupported",
                $"Unsupported value: {Render(node)}: supported values: {string.Join(", ", allowed.Select(Render))}", path));
        }
        switch (node)
        {
            case JsonObject obj:
                VisitObject(schema, obj, path, causes, pruned, isRoot || schema.EmbeddedResource);
                break;
            case JsonArray array:
                if (schema.MinItems is { } minItems && array.Count < minItems)
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {array.Count}: {path} in body should have at least {minItems} items", path));
                if (schema.MaxItems is { } maxItems && array.Count > maxItems)
                    causes.Add(new StatusCause("FieldValueTooMany", $"Too many: {array.Count}: must have at most {maxItems} items", path));
                if (schema.Items is { } items)
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is null && !items.Nullable && items.Type is not null) continue;
                        Visit(items, array[i], $"{path}[{i}]", causes, pruned);
                    }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (schema.MinLength is { } minLength && text.Length < minLength)
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {Render(node)}: {path} in body should be at least {minLength} chars long", path));
                if (schema.MaxLength is { } maxLength && text.Length > maxLength)
                    causes.Add(new StatusCause("FieldValueTooLong", $"Too long: may not be more than {maxLength} bytes", path));
                if (schema.PatternRegex is { } pattern && !pattern.IsMatch(text))
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {Render(node)}: {path} in body should match '{schema.Pattern}'", path));
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                var number = JsonNumbers.AsDouble(value) ?? 0;
                if (schema.Minimum is { } min && (schema.ExclusiveMinimum ? number <= min : number < min))
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {Render(node)}: {path} in body should be greater than {(schema.ExclusiveMinimum ? "" : "or equal to ")}{Format(min)}", path));
                if (schema.Maximum is { } max && (schema.ExclusiveMaximum ? number >= max : number > max))
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {Render(node)}: {path} in body should be less than {(schema.ExclusiveMaximum ? "" : "or equal to ")}{Format(max)}", path));
                break;
        }
    }

    private static void VisitObject(StructuralSchema schema, JsonObject obj, string path, List<StatusCause> causes, List<string> pruned, bool keepObjectMeta)
    {
        foreach (var (key, value) in obj.ToList())
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (keepObjectMeta && key is "apiVersion" or "kind" or "metadata") continue;
            var childSchema = schema.Properties.GetValueOrDefault(key) ?? schema.AdditionalProperties;
            if (childSchema is null)
            {
                if (schema.PreserveUnknownFields || schema.Type is null) continue;
                obj.Remove(key);
                pruned.Add(childPath);
                continue;
            }
            if (value is null && !childSchema.Nullable)
            {
                // Nulls of non-nullable fields are dropped before defaulting, as the real server does.
                obj.Remove(key);
            }
        }
        foreach (var (key, propertySchema) in schema.Properties)
            if (propertySchema.Default is { } d && !obj.ContainsKey(key)) obj[key] = d.DeepClone();
        foreach (var required in schema.Required)
            if (!obj.ContainsKey(required))
                causes.Add(new StatusCause("FieldValueRequired", "Required value", path.Length == 0 ? required : $"{path}.{required}"));
        if (schema.MinProperties is { } minProps && obj.Count < minProps)
            causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {obj.Count}: {path} in body should have at least {minProps} properties", path));
        if (schema.MaxProperties is { } maxProps && obj.Count > maxProps)
            causes.Add(new StatusCause("FieldValueTooMany", $"Too many: {obj.Count}: must have at most {maxProps} items", path));
        foreach (var (key, value) in obj.ToList())
        {
            if (keepObjectMeta && key is "apiVersion" or "kind" or "metadata") continue;
            var childSchema = schema.Properties.GetValueOrDefault(key) ?? schema.AdditionalProperties;
            if (childSchema is not null) Visit(childSchema, value, path.Length == 0 ? key : $"{path}.{key}", causes, pruned);
        }
    }

    private static bool TypeMatches(StructuralSchema schema, JsonNode node)
    {
        var kind = node.GetValueKind();
        if (schema.IntOrString) return kind == JsonValueKind.String || IsInteger(node);
        return schema.Type switch
        {
            null => true,
            "object" => node is JsonObject,
            "array" => node is JsonArray,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "number" => kind == JsonValueKind.Number,
            "integer" => IsInteger(node),
            _ => true,
        };
    }

    private static bool IsInteger(JsonNode node) => JsonNumbers.IsInteger(node);

    private static string TypeName(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsInteger(node) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string Render(JsonNode? node) => node is null ? "null" : node.GetValueKind() == JsonValueKind.String ? $"\"{node.GetValue<string>()}\"" : node.ToJsonString();

    private static string Format(double d) => d.ToString(CultureInfo.InvariantCulture);
}
