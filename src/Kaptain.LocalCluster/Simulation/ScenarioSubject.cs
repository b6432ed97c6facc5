using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>A resource whose scenario is looked up: its kind and name (for the scenario file's rules), the resource
/// (for its annotation) and the pod template it runs (for the template's annotation and its first container's
/// environment).</summary>
/// <param name="Kind">The kind, e.g. <c>TFJob</c>.</param>
/// <param name="Name">The resource name.</param>
/// <param name="Resource">The resource as the API serves it; null when only the name is known.</param>
/// <param name="PodTemplate">A pod template (<c>metadata</c> + <c>spec.containers</c>), or null.</param>
internal sealed record ScenarioSubject(string Kind, string Name, JsonNode? Resource, JsonNode? PodTemplate)
{
    /// <summary>The scenario annotation on the resource, then on its pod template.</summary>
    public string? Annotation =>
        Read(Resource?["metadata"]?["annotations"]?[ScenarioResolver.AnnotationName])
        ?? Read(PodTemplate?["metadata"]?["annotations"]?[ScenarioResolver.AnnotationName]);

    /// <summary>The scenario environment variable of the pod template's first container.</summary>
    public string? Environment
    {
        get
        {
            if (PodTemplate?["spec"]?["containers"] is not JsonArray { Count: > 0 } containers || containers[0]?["env"] is not JsonArray env)
            {
                return null;
            }

            return env
                .Where(e => Read(e?["name"]) == ScenarioResolver.EnvironmentVariable)
                .Select(e => Read(e?["value"]))
                .FirstOrDefault();
        }
    }

    private static string? Read(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
