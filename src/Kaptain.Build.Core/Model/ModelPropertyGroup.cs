namespace Kaptain.Build.Model;

/// <summary>The part of the lifecycle a <see cref="ModelProperty"/> belongs to (the README groups its table by it).</summary>
public enum ModelPropertyGroup
{
    /// <summary>What the model is: id, framework, files, image.</summary>
    Model,

    /// <summary>The container registry and the object store.</summary>
    RegistryAndStorage,

    /// <summary>The cluster: kubeconfig, context, namespace, cleanup.</summary>
    Cluster,

    /// <summary>Training.</summary>
    Train,

    /// <summary>Hyperparameter tuning with Katib.</summary>
    Tune,

    /// <summary>Publishing with KServe.</summary>
    Publish,

    /// <summary>The Kaniko image builder.</summary>
    Builder,
}
