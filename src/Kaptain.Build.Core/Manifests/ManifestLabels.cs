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

    /// <summary>The model label key; its value is the model id made a label value (<c>dev/mnist</c> -> <c>dev-mnist</c>).</summary>
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

    /// <summary>The annotation that keeps Istio from injecting its sidecar (which would keep batch pods from finishing).</summary>
    public const string IstioInject = "sidecar.istio.io/inject";

    /// <summary>The labels of every resource <paramref name="model"/> creates in <paramref name="step"/> of run <paramref name="runId"/>: the model's own labels, then Contract 2's.</summary>
    public static Dictionary<string, string> For(ModelDefinition model, LifecycleStep step, string runId)
    {
        ArgumentNullException.ThrowIfNull(model);
        var labels = new Dictionary<string, string>(model.Labels, StringComparer.Ordinal)
        {
            [ManagedBy] = ManagedByValue,
            [Model] = KubernetesNames.ToLabelValue(model.Id),
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
        var parts = new List<string> { $"{ManagedBy}={ManagedByValue}", $"{Model}={KubernetesNames.ToLabelValue(model.Id)}" };
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
