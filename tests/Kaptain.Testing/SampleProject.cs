using System.Security;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kaptain.Testing;

namespace Kaptain.Testing;

/// <summary>
/// A copy of a sample model project in a folder of its own, wired like the in-repo samples (the targets from
/// <c>targets/</c>, the task assembly built from <c>src/</c>), with a model id, image, namespace and bucket that no other
/// test uses. <see cref="Build"/> gives the <c>dotnet build</c> a user runs against the suite's servers.
/// </summary>
public sealed class SampleProject
{
    private readonly LifecycleServers _servers;

    private SampleProject(LifecycleServers servers, string sample, string id, string directory)
    {
        _servers = servers;
        Sample = sample;
        Id = id;
        Directory = directory;
    }

    /// <summary>The sample this is a copy of (<c>mnist-pytorch</c>, <c>mnist-tensorflow</c>).</summary>
    public string Sample { get; }

    /// <summary>The test's unique name: the model name and namespace.</summary>
    public string Id { get; }

    /// <summary>The project folder.</summary>
    public string Directory { get; }

    /// <summary>The project file.</summary>
    public string ProjectFile => Path.Combine(Directory, Sample + ".proj");

    /// <summary>The model id given to the build: <c>e2e/{id}</c>.</summary>
    public string ModelId => "e2e/" + Id;

    /// <summary>
    /// The model id as the value of the <c>kaptain.build/model</c> label: the id made a label value, '-', and the first
    /// 10 hex digits of the id's SHA-256 (written out here, not taken from the core, so that a change of it fails).
    /// </summary>
    public string ModelLabel =>
        "e2e-" + Id + "-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ModelId)))[..10];

    /// <summary>The model name, which starts every per-run resource name.</summary>
    public string ModelName => Id;

    /// <summary>The namespace the build works in (created by <see cref="LifecycleServers.NewProject"/>).</summary>
    public string Namespace => Id;

    /// <summary>The bucket the build uploads to.</summary>
    public string Bucket => Id;

    /// <summary>The image repository in the registry.</summary>
    public string ImageName => "e2e/" + Id;

    /// <summary>The registry (<c>host:port</c>) the builds push to: the servers' registry unless a test points the
    /// project at another one (its docker config gets an entry without credentials for it).</summary>
    public string RegistryHost { get; set; } = string.Empty;

    /// <summary>The kubeconfig the builds use: the servers' admin one, or (on the real control plane) one for the
    /// namespace's ServiceAccount bound only to the shipped Roles (see <see cref="ShippedRoles"/>).</summary>
    public string KubeconfigPath { get; internal set; } = string.Empty;

    /// <summary>Whether the builds run as a ServiceAccount bound only to the shipped Roles.</summary>
    public bool UnderShippedRoles { get; internal set; }

    /// <summary>The sample's framework as <see cref="ServableModel"/> names it: <c>tensorflow</c> or <c>pytorch</c>.</summary>
    public string Framework => Sample.Contains("tensorflow", StringComparison.Ordinal) ? "tensorflow" : "pytorch";

    /// <summary>
    /// The folder in <see cref="Bucket"/> where the training step leaves the model and the InferenceService reads it
    /// (<c>KaptainModelUri</c>: <c>{KaptainModelStorageUri}/{KaptainModelId}/{KaptainModelVersion}</c>, with the
    /// storage default <c>s3://{KaptainS3Bucket}/models</c> and the samples' version 0.1.0).
    /// </summary>
    public string TrainedModelPrefix => $"models/{ModelId}/0.1.0";

    /// <summary>
    /// Puts a model in the layout the sample's predictor loads (<see cref="ServableModel"/>) at <see cref="TrainedModelPrefix"/>,
    /// as the training step leaves it, for a publish without a training run: the simulated KServe storage initializer
    /// checks it is there before the predictor starts. Returns its storage URI.
    /// </summary>
    public Task<string> PutTrainedModelAsync(CancellationToken cancellationToken) =>
        ServableModel.PutAsync(_servers.S3, Bucket, TrainedModelPrefix, Framework, ModelName, cancellationToken);

    /// <summary>The build's folder for Kaptain's outputs (<c>obj/kaptain/</c>).</summary>
    public string KaptainDirectory => Path.Combine(Directory, "obj", "kaptain");

    internal static SampleProject Create(LifecycleServers servers, string sample, string id)
    {
        var root = Path.Combine(servers.WorkDirectory, "projects", id);
        var directory = Path.Combine(root, sample);
        CopyDirectory(RepositoryPaths.Combine("samples", sample), directory);
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), $"""
            <Project>
              <!-- As samples/Directory.Build.props, for a copy outside the repository. -->
              <PropertyGroup>
                <ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps>
              </PropertyGroup>
              <Import Project="{Escape(RepositoryPaths.Combine("targets", "Kaptain.Build.props"))}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), $"""
            <Project>
              <!-- As samples/Directory.Build.targets, with the task assembly the test project built once. -->
              <PropertyGroup>
                <KaptainTasksAssembly>{Escape(servers.TasksAssembly)}</KaptainTasksAssembly>
              </PropertyGroup>
              <!-- The tests script the simulated training workloads (Contract 4) as a user would: an environment item. -->
              <ItemGroup Condition="'$(E2EWorkloadScenario)' != ''">
                <KaptainEnvironmentVariable Include="LOCAL_CLUSTER_SCENARIO" Value="$(E2EWorkloadScenario)" />
              </ItemGroup>
              <Import Project="{Escape(RepositoryPaths.Combine("targets", "Kaptain.Build.targets"))}" />
            </Project>
            """);
        return new SampleProject(servers, sample, id, directory) { RegistryHost = servers.Registry.Host, KubeconfigPath = servers.KubeconfigPath };
    }

    /// <summary>
    /// <c>dotnet build</c> of <paramref name="target"/> against the suite's cluster, S3 server and registry, with the
    /// credentials in the environment as a user has them, detailed enough to show the workloads' log lines.
    /// </summary>
    /// <param name="target">The target, e.g. <c>KaptainTrain</c>.</param>
    /// <param name="properties">More <c>-p:</c> properties (values are escaped for the command line).</param>
    public DotnetCommand Build(string target, params (string Name, string Value)[] properties)
    {
        var command = new DotnetCommand(
                "build", ProjectFile, $"-t:{target}", "-tl:off", "-v:n", "-nologo", "-nr:false",
                $"-p:KaptainKubeconfig={KubeconfigPath}",
                $"-p:KaptainS3Endpoint={_servers.S3.Endpoint.ToString().TrimEnd('/')}",
                $"-p:KaptainRegistry={RegistryHost}",
                "-p:KaptainRegistryInsecure=true",
                $"-p:KaptainNamespace={Namespace}",
                $"-p:KaptainModelId={ModelId}",
                $"-p:KaptainImageName={ImageName}",
                $"-p:KaptainS3Bucket={Bucket}")
            {
                WorkingDirectory = Directory,
            }
            .WithEnvironment("AWS_ACCESS_KEY_ID", _servers.S3.AccessKey)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", _servers.S3.SecretKey)
            .WithEnvironment("DOCKER_CONFIG", RegistryHost == _servers.Registry.Host ? _servers.DockerConfigDirectory : WriteDockerConfig())
            .WithEnvironment("KUBECONFIG", null)
            .WithEnvironment("KAPTAIN_SDK_FORCE_CLEANUP", null)
            .WithEnvironment("KAPTAIN_SDK_DELETE_EXPERIMENT", null);
        foreach (var (name, value) in properties)
        {
            command.WithArguments($"-p:{name}={EscapeCommandLineValue(value)}");
        }

        return command;
    }

    /// <summary>The run report (JSON) the last run of <paramref name="step"/> wrote: <c>obj/kaptain/run-report-{step}.json</c>,
    /// with the step as in the <c>kaptain.build/step</c> label (<c>build-image</c>, <c>train</c>...).</summary>
    public JsonObject ReadRunReport(string step) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(KaptainDirectory, $"run-report-{step}.json")))!.AsObject();

    private string WriteDockerConfig()
    {
        var directory = Path.Combine(Directory, "..", "docker");
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [RegistryHost] = new { } } }));
        return Path.GetFullPath(directory);
    }

    private static string Escape(string path) => SecurityElement.Escape(path);

    // -p:Name=Value splits at ';' and ',' and takes '%XX' as an escape: keep a scenario's text whole.
    private static string EscapeCommandLineValue(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal)
            .Replace(";", "%3B", StringComparison.Ordinal)
            .Replace(",", "%2C", StringComparison.Ordinal)
            .Replace("\"", "%22", StringComparison.Ordinal);

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var first = relative.Split(Path.DirectorySeparatorChar)[0];
            if (first is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Serializes for failure messages.</summary>
    public override string ToString() => JsonSerializer.Serialize(new { Sample, Id, Directory });
}
