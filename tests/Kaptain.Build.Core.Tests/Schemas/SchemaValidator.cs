using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>A JSON Schema with a readable list of what an instance breaks.</summary>
internal sealed class SchemaValidator
{
    private static int counter;
    private readonly JsonSchema schema;

    public SchemaValidator(JsonObject jsonSchema, string name)
    {
        var id = new Uri($"https://kaptain.build/tests/schemas/{Interlocked.Increment(ref counter)}/{name}");
        schema = JsonSchema.FromText(jsonSchema.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }, id);
    }

    /// <summary>Every error, as "instance location: message"; empty when <paramref name="instance"/> is valid.</summary>
    public IReadOnlyList<string> Errors(JsonNode instance)
    {
        using var document = JsonDocument.Parse(instance.ToJsonString());
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var errors = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no detail)"];
    }
}
