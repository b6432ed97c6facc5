namespace Kaptain.Build.Model;

/// <summary>
/// A parsed, validated model: what <see cref="ModelDefinitionReader.Read"/> produces from a <see cref="ModelInput"/>.
/// Every default has been applied; every path is absolute.
/// </summary>
public sealed class ModelDefinition
{
    /// <summary>The model project's directory.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The model id, like <c>dev/mnist</c> (<c>KaptainModelId</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The Kubernetes name of the model (<c>KaptainModelName</c>); the InferenceService is named after it.</summary>
    public required string Name { get; init; }

    /// <summary>The description, when given (<c>KaptainModelDescription</c>).</summary>
    public string? Description { get; init; }

    /// <summary>The version (<c>KaptainModelVersion</c>).</summary>
    public required string Version { get; init; }

    /// <summary>The framework (<c>KaptainFramework</c>).</summary>
    public required ModelFramework Framework { get; init; }

    /// <summary>The framework version (<c>KaptainFrameworkVersion</c>).</summary>
    public required string FrameworkVersion { get; init; }

    /// <summary>The training script (<c>KaptainMainFile</c>).</summary>
    public required ModelFile MainFile { get; init; }

    /// <summary>Extra files (<c>KaptainFile</c> items), in item order.</summary>
    public IReadOnlyList<ModelFile> Files { get; init; } = [];

    /// <summary>The pip requirements file, when there is one (<c>KaptainRequirementsFile</c>).</summary>
    public ModelFile? RequirementsFile { get; init; }

    /// <summary>The model's own Dockerfile, when given (<c>KaptainDockerfile</c>); otherwise one is generated.</summary>
    public ModelFile? Dockerfile { get; init; }

    /// <summary>The base image of the generated Dockerfile (<c>KaptainBaseImage</c>).</summary>
    public required string BaseImage { get; init; }

    /// <summary>The model image with its registry; its tag is null when it derives from the context checksum (<c>KaptainImageName</c>).</summary>
    public required ImageReference Image { get; init; }

    /// <summary>Labels added to every resource (<c>KaptainLabel</c> items).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Environment variables of the training and serving containers (<c>KaptainEnvironmentVariable</c> items), in item order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>The registry.</summary>
    public required RegistrySettings Registry { get; init; }

    /// <summary>The object store.</summary>
    public required StorageSettings Storage { get; init; }

    /// <summary>The cluster.</summary>
    public required ClusterSettings Cluster { get; init; }

    /// <summary>Training.</summary>
    public required TrainSettings Train { get; init; }

    /// <summary>Tuning.</summary>
    public required TuneSettings Tune { get; init; }

    /// <summary>Publishing.</summary>
    public required PublishSettings Publish { get; init; }

    /// <summary>The image builder.</summary>
    public required BuilderSettings Builder { get; init; }
}
