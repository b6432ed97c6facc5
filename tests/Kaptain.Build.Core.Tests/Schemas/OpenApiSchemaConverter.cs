using System.Text.Json.Nodes;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>
/// Turns a Kubernetes structural schema (a CRD's <c>openAPIV3Schema</c>) or a Swagger 2.0 definition into JSON Schema
/// 2020-12 with the API server's meaning:
/// <list type="bullet">
/// <item><c>x-kubernetes-int-or-string</c> becomes integer-or-string;</item>
/// <item><c>nullable</c> adds <c>null</c> to the type;</item>
/// <item><c>format: int32/int64</c> become range bounds (other formats are annotations, as in the API server's structural checks);</item>
/// <item>an object with <c>properties</c> rejects unknown fields unless it has <c>x-kubernetes-preserve-unknown-fields</c> or
/// <c>additionalProperties</c>: the API server would prune them silently (or reject them with strict field validation),
/// so a misspelt field must fail here rather than disappear there;</item>
/// <item>CEL rules (<c>x-kubernetes-validations</c>) and list-type markers are dropped: they are not JSON Schema.</item>
/// </list>
/// </summary>
internal static class OpenApiSchemaConverter
{
    public static JsonObject Convert(JsonNode schema)
    {
        var converted = ConvertSchema(schema.DeepClone().AsObject());
        return converted;
    }

    /// <summary>A Swagger 2.0 document's definitions as <c>$defs</c>, with <paramref name="root"/> as the root <c>$ref</c>.</summary>
    public static JsonObject ConvertSwagger(JsonObject swagger, string root, IReadOnlyDictionary<string, JsonObject> externalDefinitions)
    {
        var defs = new JsonObject();
        foreach (var (name, definition) in swagger["definitions"]!.AsObject())
        {
            defs[name] = ConvertSchema(definition!.DeepClone().AsObject());
        }

        foreach (var (name, definition) in externalDefinitions)
        {
            defs[name] = definition.DeepClone();
        }

        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = defs,
            ["$ref"] = "#/$defs/" + root,
        };
    }

    private static JsonObject ConvertSchema(JsonObject schema)
    {
        var result = new JsonObject();
        var preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        var intOrString = schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        var nullable = schema["nullable"]?.GetValue<bool>() == true;
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "properties":
                    result[key] = new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)ConvertSchema(p.Value!.DeepClone().AsObject()))));
                    break;
                case "items" when value is JsonObject items:
                    result[key] = ConvertSchema(items);
                    break;
                case "additionalProperties" when value is JsonObject additional:
                    result[key] = ConvertSchema(additional);
                    break;
                case "allOf" or "anyOf" or "oneOf":
                    result[key] = new JsonArray([.. value!.AsArray().Select(s => (JsonNode)ConvertSchema(s!.DeepClone().AsObject()))]);
                    break;
                case "not":
                    result[key] = ConvertSchema(value!.DeepClone().AsObject());
                    break;
                case "$ref":
                    result[key] = ((string)value!).Replace("#/definitions/", "#/$defs/", StringComparison.Ordinal);
                    break;
                case "format":
                    if ((string?)value == "int32")
                    {
                        result["minimum"] = int.MinValue;
                        result["maximum"] = int.MaxValue;
                    }
                    else if ((string?)value == "int64")
                    {
                        result["minimum"] = long.MinValue;
                        result["maximum"] = long.MaxValue;
                    }

                    break;
                case "nullable" or "description" or "example" or "externalDocs":
                    break;
                default:
                    if (!key.StartsWith("x-", StringComparison.Ordinal))
                    {
                        result[key] = value?.DeepClone();
                    }

                    break;
            }
        }

        if (intOrString)
        {
            result.Remove("type");
            if (!result.ContainsKey("anyOf"))
            {
                result["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
            }
        }

        if (nullable && result["type"] is JsonValue type)
        {
            result["type"] = new JsonArray((string)type!, "null");
        }

        if (result.ContainsKey("properties") && !result.ContainsKey("additionalProperties") && !preserveUnknown)
        {
            result["additionalProperties"] = false;
        }

        return result;
    }
}
