using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Build.Model;

namespace Kaptain.Build.Manifests;

/// <summary>The conventions the manifests share: names, metadata, resources and the JSON form of typed models.</summary>
internal static class ManifestConventions
{
    /// <summary>The name of a per-run resource: <c>{model-name}-{step-short}-{run-id}[-{suffix}]</c> (Contract 2).</summary>
    public static string PerRunName(ModelDefinition model, LifecycleStep step, RunContext run, string? suffix = null) =>
        $"{model.Name}-{step.ShortName()}-{run.RunId}" + (suffix is null ? string.Empty : "-" + suffix);

    public static V1ObjectMeta Metadata(ModelDefinition model, LifecycleStep step, RunContext run, string name) => new()
    {
        Name = name,
        NamespaceProperty = run.Namespace,
        Labels = ManifestLabels.For(model, step, run.RunId),
        Annotations = ManifestLabels.Annotations(model),
    };

    public static V1ResourceRequirements? Resources(ComputeResources resources)
    {
        if (resources.IsEmpty)
        {
            return null;
        }

        return new V1ResourceRequirements
        {
            Requests = resources.Requests.Count == 0 ? null : resources.Requests.ToDictionary(p => p.Key, p => new ResourceQuantity(p.Value)),
            Limits = resources.Limits.Count == 0 ? null : resources.Limits.ToDictionary(p => p.Key, p => new ResourceQuantity(p.Value)),
        };
    }

    public static List<V1EnvVar> Environment(IEnumerable<KeyValuePair<string, string>> variables) =>
        variables.Select(v => new V1EnvVar { Name = v.Key, Value = v.Value }).ToList();

    /// <summary>The JSON form of a KubernetesClient model, exactly as KubernetesClient sends it.</summary>
    public static JsonNode ToJson(object value) => JsonNode.Parse(KubernetesJson.Serialize(value))!;

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
