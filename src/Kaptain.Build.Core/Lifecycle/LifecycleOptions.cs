using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>What every lifecycle step needs: the model, where its files go, how to report, and the run.</summary>
public sealed class LifecycleOptions
{
    /// <summary>The model, as <see cref="ModelDefinitionReader.Read"/> produced it.</summary>
    public required ModelDefinition Model { get; init; }

    /// <summary>
    /// The folder for the step's files (the MSBuild targets pass <c>$(IntermediateOutputPath)kaptain</c>, that is
    /// <c>obj/kaptain</c>): the resource journal, the run report and the best hyperparameters files. Created when
    /// missing.
    /// </summary>
    public required string IntermediateDirectory { get; init; }

    /// <summary>Where progress, pod logs, warnings and errors go; nowhere when <see langword="null"/>.</summary>
    public ILifecycleLog? Log { get; init; }

    /// <summary>
    /// The run id (10 lowercase hex characters, Contract 2) the step labels its resources with; a new one for each
    /// call when <see langword="null"/>.
    /// </summary>
    public string? RunId { get; init; }

    /// <summary>
    /// The model image the train, tune and publish steps run, normally the <see cref="BuildImageResult.Image"/> of the
    /// build step (with its digest). When <see langword="null"/> it is derived from the build context checksum, which is
    /// the image the build step pushes.
    /// </summary>
    public ImageReference? Image { get; init; }

    /// <summary>
    /// The environment variables the step reads (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
    /// <c>DOCKER_CONFIG</c>, <c>KUBECONFIG</c>, <c>HOME</c>); <see langword="null"/> reads the process environment.
    /// Tests pass their own dictionary.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// How long cleanup may take after a failure or a cancellation (deletes and waiting until the resources are gone);
    /// 20 seconds by default. Cleanup after a cancellation runs with its own token bounded by this.
    /// </summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// HTTP handlers put in front of the cluster client's own, new ones for each connection (a test seam: faults the
    /// server cannot inject, such as an accepted create whose answer never reaches the client).
    /// </summary>
    internal Func<DelegatingHandler[]>? ClusterHandlers { get; init; }
}
