using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Model;
using Kaptain.Build.Validation;

namespace Kaptain.Build.Manifests;

/// <summary>The labels and annotations every created resource carries (Contract 2).</summary>
public static class ManifestLabels
{
    /// <summary>The tool label key; its value is <see cref="ManagedByValue"/>.</summary>
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedBy"/>.</summary>
    public const string ManagedByValue = "kaptain-build";

    /// <summary>
    /// The model label key; its value is <see cref="ModelLabelValue"/> of the model id (<c>dev/mnist</c> ->
    /// <c>dev-mnist-</c> and a hash of the id), different for different ids.
    /// </summary>
    public const string Model = "kaptain.build/model";

    /// <summary>The step label key: <c>build-image</c>, <c>train</c>, <c>tune</c>, <c>publish</c>.</summary>
    public const string Step = "kaptain.build/step";

    /// <summary>The run label key: the run id.</summary>
    public const string Run = "kaptain.build/run";

    /// <summary>The annotation carrying the model id as written.</summary>
    public const string ModelIdAnnotation = "kaptain.build/model-id";

    /// <summary>The annotation carrying the model version.</summary>
    public const string ModelVersionAnnotation = "kaptain.build/model-version";

    /// <summary>The annotation carrying the model description, when there is one.</summary>
    public const string DescriptionAnnotation = "kaptain.build/description";

    // 10 hex digits (40 bits) of the id's hash: a collision between two models of one namespace is unlikely, and even
    // then IsOf compares the full id before anything is deleted.
    private const int HashLength = 10;

    /// <summary>The annotation that keeps Istio from injecting its sidecar (which would keep batch pods from finishing).</summary>
    public const string IstioInject = "sidecar.istio.io/inject";

    /// <summary>The labels of every resource <paramref name="model"/> creates in <paramref name="step"/> of run <paramref name="runId"/>: the model's own labels, then Contract 2's.</summary>
    public static Dictionary<string, string> For(ModelDefinition model, LifecycleStep step, string runId)
    {
        ArgumentNullException.ThrowIfNull(model);
        var labels = new Dictionary<string, string>(model.Labels, StringComparer.Ordinal)
        {
            [ManagedBy] = ManagedByValue,
            [Model] = ModelLabelValue(model.Id),
            [Step] = step.LabelValue(),
            [Run] = runId,
        };
        return labels;
    }

    /// <summary>
    /// The label selector (<c>key=value,...</c>) of the resources a model created: all of them, those of one
    /// <paramref name="step"/>, or those of one <paramref name="runId"/>. Cleanup and sweeps list with it.
    /// </summary>
    public static string Selector(ModelDefinition model, LifecycleStep? step = null, string? runId = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = new List<string> { $"{ManagedBy}={ManagedByValue}", $"{Model}={ModelLabelValue(model.Id)}" };
        if (step is { } s)
        {
            parts.Add($"{Step}={s.LabelValue()}");
        }

        if (runId is not null)
        {
            parts.Add($"{Run}={runId}");
        }

        return string.Join(',', parts);
    }

    /// <summary>
    /// The value of the <see cref="Model"/> label for a model id: a readable prefix (the id made a label value, cut to
    /// leave room) and the first 10 hex digits of the id's SHA-256, so that ids a plain replacement would merge
    /// (<c>dev/mnist</c> and <c>dev-mnist</c>) get different values. Always a valid label value of at most 63 characters.
    /// Selectors narrow by it; what decides whose an object is stays the full id in <see cref="ModelIdAnnotation"/>
    /// (see <see cref="IsOf"/>).
    /// </summary>
    public static string ModelLabelValue(string modelId)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modelId)))[..HashLength];
        var prefix = KubernetesNames.ToLabelValue(modelId);
        if (prefix.Length > KubernetesNames.MaxLabelLength - HashLength - 1)
        {
            prefix = prefix[..(KubernetesNames.MaxLabelLength - HashLength - 1)].TrimEnd('-', '_', '.');
        }

        return prefix.Length == 0 ? hash : $"{prefix}-{hash}";
    }

    /// <summary>The model id an object carries in <see cref="ModelIdAnnotation"/>, if any.</summary>
    public static string? ModelIdOf(JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource["metadata"]?["annotations"]?[ModelIdAnnotation] is JsonValue value && value.TryGetValue<string>(out var id) ? id : null;
    }

    /// <summary>
    /// Whether an object on the cluster is one <paramref name="model"/> created: managed by Kaptain.Build and carrying,
    /// compared in full, the model's id in <see cref="ModelIdAnnotation"/>. Every delete or replace of something found
    /// on the cluster by name or label (undeploy, sweep, replace) asks this first. The <see cref="Model"/> label is not
    /// compared: it only narrows a list, and a deployment made before its value carried a hash is still the model's.
    /// </summary>
    public static bool IsOf(JsonObject resource, ModelDefinition model)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(model);
        return KubernetesObjectJson.Label(resource, ManagedBy) == ManagedByValue
               && ModelIdOf(resource) == model.Id;
    }

    /// <summary>The annotations of every resource <paramref name="model"/> creates.</summary>
    public static Dictionary<string, string> Annotations(ModelDefinition model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelIdAnnotation] = model.Id,
            [ModelVersionAnnotation] = model.Version,
        };
        if (model.Description is { } description)
        {
            annotations[DescriptionAnnotation] = description;
        }

        return annotations;
    }
}
