using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.Build.Reliability.Tests.Corpus;
using Kaptain.Testing;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>A copy of <c>samples/mnist-pytorch</c> read in-process, wired to the suite's servers, for core step calls.</summary>
public sealed class InProcessModel
{
    private static int _count;

    private InProcessModel(string directory, ModelDefinition model, IReadOnlyDictionary<string, string> environment)
    {
        Directory = directory;
        Model = model;
        Environment = environment;
    }

    /// <summary>The project folder.</summary>
    public string Directory { get; }

    /// <summary>The model.</summary>
    public ModelDefinition Model { get; }

    /// <summary>The environment the steps read.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The model label value (<c>kaptain.build/model</c>).</summary>
    public string ModelLabel => Kaptain.Build.Manifests.ManifestLabels.ModelLabelValue(Model.Id);

    /// <summary>Reads a copy of the sample as model <c>rel/{name}</c> in <paramref name="namespace"/> (which the caller
    /// made, see <see cref="ReliabilityTest.NamespaceAsync"/>), reaching the cluster with <paramref name="kubeconfig"/>.</summary>
    public static InProcessModel Create(LifecycleServers servers, string name, string @namespace, string kubeconfig, string workload = "succeed after=300ms", Uri? s3Endpoint = null)
    {
        var id = Interlocked.Increment(ref _count);
        var directory = Path.Combine(servers.WorkDirectory, "in-process", $"{name}-{id}");
        var sample = RepositoryPaths.Combine("samples", "mnist-pytorch");
        System.IO.Directory.CreateDirectory(directory);
        foreach (var file in System.IO.Directory.EnumerateFiles(sample))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = servers.S3.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = servers.S3.SecretKey,
            ["DOCKER_CONFIG"] = servers.DockerConfigDirectory,
            ["HOME"] = directory,
        };
        var input = ProjectFile.Read(
            Path.Combine(directory, "mnist-pytorch.proj"),
            new Dictionary<string, string>
            {
                ["KaptainKubeconfig"] = kubeconfig,
                ["KaptainS3Endpoint"] = (s3Endpoint ?? servers.S3.Endpoint).ToString().TrimEnd('/'),
                ["KaptainS3Bucket"] = @namespace,
                ["KaptainRegistry"] = servers.Registry.Host,
                ["KaptainNamespace"] = @namespace,
                ["KaptainModelId"] = $"rel/{name}",
                ["KaptainImageName"] = $"rel/{name}-{id}",
                ["KaptainTrials"] = "3",
                ["KaptainParallelTrials"] = "3",
                ["KaptainFailedTrials"] = "1",
            },
            environment);
        var items = input.Items.Append(new ModelItem("KaptainEnvironmentVariable", "LOCAL_CLUSTER_SCENARIO", new Dictionary<string, string> { ["Value"] = workload })).ToList();
        var read = ModelDefinitionReader.Read(new ModelInput { ProjectDirectory = input.ProjectDirectory, Properties = input.Properties, Items = items, Environment = environment });
        return new InProcessModel(directory, read.GetModelOrThrow(), environment);
    }

    /// <summary>The options of one step call; <paramref name="intermediate"/> (under the project) keeps a run's state
    /// apart from another run of the same model.</summary>
    public LifecycleOptions Options(ILifecycleLog? log = null, string? runId = null, string intermediate = "kaptain") => new()
    {
        Model = Model,
        IntermediateDirectory = Path.Combine(Directory, "obj", intermediate),
        Environment = Environment,
        Log = log,
        RunId = runId,
        CleanupTimeout = TimeSpan.FromSeconds(30),
    };
}
