namespace Kaptain.Build.Cluster;

/// <summary>
/// The labels every created resource carries (Contract 2 in docs/architecture.md) and the selectors built from them.
/// </summary>
public static class ResourceLabels
{
    /// <summary><c>app.kubernetes.io/managed-by</c>; its value is <see cref="ManagedByValue"/>.</summary>
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedBy"/>.</summary>
    public const string ManagedByValue = "kaptain-build";

    /// <summary><c>kaptain.build/model</c>: the model id made a label value (<c>dev/mnist</c> becomes <c>dev-mnist</c>).</summary>
    public const string Model = "kaptain.build/model";

    /// <summary><c>kaptain.build/step</c>: <c>build-image</c>, <c>train</c>, <c>tune</c> or <c>publish</c>.</summary>
    public const string Step = "kaptain.build/step";

    /// <summary><c>kaptain.build/run</c>: the run id, 10 lowercase hex characters.</summary>
    public const string Run = "kaptain.build/run";

    /// <summary>The selector of a model's resources, optionally of one run only.</summary>
    /// <param name="modelLabelValue">The model id already made a label value.</param>
    /// <param name="runId">The run id, or <see langword="null"/> for every run.</param>
    public static string Selector(string modelLabelValue, string? runId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelLabelValue);
        var selector = $"{ManagedBy}={ManagedByValue},{Model}={modelLabelValue}";
        return string.IsNullOrEmpty(runId) ? selector : $"{selector},{Run}={runId}";
    }
}
