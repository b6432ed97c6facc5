using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;

namespace Kaptain.Testing;

/// <summary>
/// What a model build runs against, on 127.0.0.1: the local cluster in this process (with its simulated controllers
/// and a scenario file), s3rver and docker-registry, plus the kubeconfig and docker config a user would have. The
/// end-to-end tests share one for the whole run and the benchmarks start their own; each model build gets a project
/// copy with its own namespace, model id, image and bucket (<see cref="NewProject"/>).
/// </summary>
public sealed class LifecycleServers : IAsyncDisposable
{
    private int _projects;

    private LifecycleServers(string tasksAssembly, string workDirectory, S3Server s3, ContainerRegistry registry, LocalClusterServer cluster)
    {
        TasksAssembly = tasksAssembly;
        WorkDirectory = workDirectory;
        S3 = s3;
        Registry = registry;
        Cluster = cluster;
    }

    /// <summary>The local cluster; read its store to see what a build left behind.</summary>
    public LocalClusterServer Cluster { get; }

    /// <summary>The S3 server the builds upload the image build context to.</summary>
    public S3Server S3 { get; }

    /// <summary>The registry Kaniko pushes to.</summary>
    public ContainerRegistry Registry { get; }

    /// <summary>The task assembly the project copies load.</summary>
    public string TasksAssembly { get; }

    /// <summary>The folder for the kubeconfig, the docker config and the project copies.</summary>
    public string WorkDirectory { get; }

    /// <summary>The kubeconfig of <see cref="Cluster"/> (passed with <c>-p:KaptainKubeconfig</c>).</summary>
    public string KubeconfigPath => Path.Combine(WorkDirectory, "kubeconfig");

    /// <summary>The folder with the docker <c>config.json</c> for <see cref="Registry"/> (passed as <c>DOCKER_CONFIG</c>).</summary>
    public string DockerConfigDirectory => Path.Combine(WorkDirectory, "docker");

    /// <summary>Starts the servers.</summary>
    /// <param name="tasksAssembly">The built <c>Kaptain.Build.Tasks.dll</c> the project copies use.</param>
    /// <param name="scenarios">The cluster's scenario file (<c>KIND NAME-PATTERN SCENARIO</c> lines), or null.</param>
    /// <param name="cancellationToken">Stops starting.</param>
    public static async Task<LifecycleServers> StartAsync(string tasksAssembly, string? scenarios, CancellationToken cancellationToken)
    {
        if (!File.Exists(tasksAssembly))
        {
            throw new InvalidOperationException($"The task assembly {tasksAssembly} is missing: build src/Kaptain.Build.Tasks first.");
        }

        var workDirectory = Directory.CreateTempSubdirectory("kaptain-lifecycle-").FullName;
        var options = new LocalClusterOptions();
        if (scenarios is not null)
        {
            options.ScenarioFile = Path.Combine(workDirectory, "scenarios.txt");
            await File.WriteAllTextAsync(options.ScenarioFile, scenarios, cancellationToken).ConfigureAwait(false);
        }

        Kaptain.LocalCluster.Controllers.SimulatedControllers.AddTo(options);
        var s3 = S3Server.StartAsync(cancellationToken: cancellationToken);
        var registry = ContainerRegistry.StartAsync(cancellationToken: cancellationToken);
        var cluster = await LocalClusterServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var servers = new LifecycleServers(tasksAssembly, workDirectory, await s3.ConfigureAwait(false), await registry.ConfigureAwait(false), cluster);
        await cluster.WriteKubeconfigAsync(servers.KubeconfigPath, cancellationToken).ConfigureAwait(false);
        servers.Registry.WriteDockerConfig(servers.DockerConfigDirectory);
        return servers;
    }

    /// <summary>
    /// Copies <paramref name="sample"/> (a folder under <c>samples/</c>) to a new folder wired to this source tree's
    /// targets and <see cref="TasksAssembly"/>, with a model id, namespace, image and bucket of its own; creates the
    /// namespace.
    /// </summary>
    /// <param name="sample">The sample's folder name, e.g. <c>mnist-pytorch</c>.</param>
    /// <param name="name">A short name (lowercase letters, digits, dashes; starting with a letter) that starts the model
    /// name, so that a scenario file can script the project's workloads by name.</param>
    public SampleProject NewProject(string sample, string name)
    {
        var id = $"{name}-{Interlocked.Increment(ref _projects)}";
        var project = SampleProject.Create(this, sample, id);
        Cluster.Store.Create(BuiltInResources.Namespace, new JsonObject { ["metadata"] = new JsonObject { ["name"] = project.Namespace, ["labels"] = new JsonObject { ["katib.kubeflow.org/metrics-collector-injection"] = "enabled" } } });
        return project;
    }

    /// <summary>What <paramref name="namespace"/> holds now.</summary>
    public ClusterResources ResourcesIn(string @namespace) => ClusterResources.In(Cluster, @namespace);

    /// <summary>Stops the servers and deletes the work folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync().ConfigureAwait(false);
        await S3.DisposeAsync().ConfigureAwait(false);
        await Registry.DisposeAsync().ConfigureAwait(false);
        TemporaryDirectory.Delete(WorkDirectory);
    }
}
