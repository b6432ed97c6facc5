using Kaptain.LocalCluster.Controllers;
using Kaptain.LocalCluster.Hosting;
using Kaptain.Testing;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// The servers a lifecycle step talks to, on 127.0.0.1: the local cluster in-process with every simulated controller,
/// s3rver and docker-registry with basic auth (so the Secrets' credentials are really used). One set for the whole
/// collection: the tests of a collection run one at a time, each in its own namespace with its own model.
/// </summary>
public sealed class LifecycleServers : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "kaptain-lifecycle-tests", Guid.NewGuid().ToString("n"));

    public S3Server S3 { get; private set; } = null!;

    public ContainerRegistry Registry { get; private set; } = null!;

    public LocalClusterServer Cluster { get; private set; } = null!;

    public string KubeconfigPath => Path.Combine(directory, "kubeconfig");

    /// <summary>A kubeconfig whose server does not answer (a closed port): a step that uses it must not need the cluster.</summary>
    public string UnreachableKubeconfigPath => Path.Combine(directory, "unreachable-kubeconfig");

    /// <summary>A folder with a docker config.json holding the registry's credentials.</summary>
    public string DockerConfigDirectory => Path.Combine(directory, "docker");

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(directory);
        S3 = await S3Server.StartAsync(cancellationToken: token);

        // The default bucket (KaptainS3Bucket), as the build step leaves it: trained models go under it.
        await S3.CreateBucketAsync("kaptain", token);
        Registry = await ContainerRegistry.StartAsync(ContainerRegistryOptions.WithBasicAuth, token);
        Registry.WriteDockerConfig(DockerConfigDirectory);
        // The object store's credentials, so that a simulated training upload with other ones fails as on a real S3.
        var options = new LocalClusterOptions { ScenarioFile = Path.Combine(directory, "scenarios.txt") };
        await File.WriteAllTextAsync(options.ScenarioFile, S3.ScenarioCredentialsLine(), token);
        SimulatedControllers.AddTo(options);
        Cluster = await LocalClusterServer.StartAsync(options, token);
        await Cluster.WriteKubeconfigAsync(KubeconfigPath, token);
        var closed = FreePort.Next();
        await File.WriteAllTextAsync(
            UnreachableKubeconfigPath,
            Cluster.KubeconfigYaml().Replace(Cluster.Url.GetLeftPart(UriPartial.Authority), $"http://127.0.0.1:{closed}", StringComparison.Ordinal),
            token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }

        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The lifecycle tests share one set of servers and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class LifecycleCollection : ICollectionFixture<LifecycleServers>
{
    public const string Name = "lifecycle";
}
