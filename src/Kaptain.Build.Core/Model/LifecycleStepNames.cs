namespace Kaptain.Build.Model;

/// <summary>The names a <see cref="LifecycleStep"/> goes by in labels, resource names and rendered files.</summary>
public static class LifecycleStepNames
{
    /// <summary>Every step, in lifecycle order.</summary>
    public static IReadOnlyList<LifecycleStep> All { get; } =
        [LifecycleStep.BuildImage, LifecycleStep.Train, LifecycleStep.Tune, LifecycleStep.Publish];

    /// <summary>The value of the <c>kaptain.build/step</c> label: <c>build-image</c>, <c>train</c>, <c>tune</c>, <c>publish</c>.</summary>
    public static string LabelValue(this LifecycleStep step) => step switch
    {
        LifecycleStep.BuildImage => "build-image",
        LifecycleStep.Train => "train",
        LifecycleStep.Tune => "tune",
        LifecycleStep.Publish => "publish",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    /// <summary>The short name used in per-run resource names (<c>{model-name}-{short}-{run-id}</c>) and file names.</summary>
    public static string ShortName(this LifecycleStep step) => step switch
    {
        LifecycleStep.BuildImage => "build",
        LifecycleStep.Train => "train",
        LifecycleStep.Tune => "tune",
        LifecycleStep.Publish => "publish",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    /// <summary>The file a step's manifests are rendered to: <c>build.yaml</c>, <c>train.yaml</c>, <c>tune.yaml</c>, <c>publish.yaml</c>.</summary>
    public static string ManifestFileName(this LifecycleStep step) => step.ShortName() + ".yaml";
}
