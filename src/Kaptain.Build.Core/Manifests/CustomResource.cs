using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Kaptain.Build.Manifests;

/// <summary>
/// A custom resource (TFJob, PyTorchJob, Experiment, InferenceService) whose spec is JSON: KubernetesClient has no
/// models for these kinds, and keeping the spec as JSON lets tests validate it against the CRD schemas as it is sent.
/// </summary>
public sealed class CustomResource : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Creates a resource of <paramref name="apiVersion"/> and <paramref name="kind"/>.</summary>
    public CustomResource(string apiVersion, string kind, V1ObjectMeta metadata, JsonObject spec)
    {
        ApiVersion = apiVersion;
        Kind = kind;
        Metadata = metadata;
        Spec = spec;
    }

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; }

    /// <inheritdoc />
    [JsonPropertyName("kind")]
    public string Kind { get; set; }

    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; }

    /// <summary>The spec.</summary>
    [JsonPropertyName("spec")]
    public JsonObject Spec { get; set; }

    /// <summary>The API group (<c>kubeflow.org</c>), the part of <see cref="ApiVersion"/> before '/'.</summary>
    [JsonIgnore]
    public string Group => ApiVersion.Split('/')[0];

    /// <summary>The version (<c>v1</c>), the part of <see cref="ApiVersion"/> after '/'.</summary>
    [JsonIgnore]
    public string Version => ApiVersion.Split('/')[^1];

    /// <summary>The plural resource name used in API paths (<c>tfjobs</c>).</summary>
    [JsonIgnore]
    public string Plural => Kind.ToLowerInvariant() + (Kind.EndsWith('s') ? "es" : "s");
}
