namespace Kaptain.Build.Model;

/// <summary>A step of the model lifecycle; each creates its own resources (Contract 2).</summary>
public enum LifecycleStep
{
    /// <summary>Build and push the model image with Kaniko (label value <c>build-image</c>, file <c>build.yaml</c>).</summary>
    BuildImage,

    /// <summary>Train with a TFJob or PyTorchJob (label value <c>train</c>, file <c>train.yaml</c>).</summary>
    Train,

    /// <summary>Tune with a Katib Experiment (label value <c>tune</c>, file <c>tune.yaml</c>).</summary>
    Tune,

    /// <summary>Publish with a KServe InferenceService (label value <c>publish</c>, file <c>publish.yaml</c>).</summary>
    Publish,
}
