using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>
/// The cluster, S3 server and registry the Cake lifecycle runs of one engine share (one set per collection), started
/// when the first run asks for them. Without envtest assets the real control plane's runs are skipped with the reason.
/// </summary>
public abstract class CakeLifecycleServers : IAsyncLifetime
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private LifecycleServers? _servers;

    /// <summary>The cluster these servers run.</summary>
    public abstract LifecycleEngine Engine { get; }

    /// <summary>The running servers, started on first use.</summary>
    public async Task<LifecycleServers> GetAsync(CancellationToken cancellationToken)
    {
        if (Engine == LifecycleEngine.RealControlPlane && EnvtestAssets.Find(out var reason) is null)
        {
            Assert.Skip(reason);
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            // The project copies import the source tree's targets with this build's task assembly (the test project
            // references the task project, so the fresh dll is beside the tests).
            var tasks = Path.Combine(AppContext.BaseDirectory, "Kaptain.Build.Tasks.dll");
            return _servers ??= await LifecycleServers.StartAsync(tasks, scenarios: null, Engine, CancellationToken.None);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }

        _starting.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The Cake lifecycle servers with the local cluster.</summary>
public sealed class LocalClusterCakeServers : CakeLifecycleServers
{
    /// <inheritdoc />
    public override LifecycleEngine Engine => LifecycleEngine.LocalCluster;
}

/// <summary>The Cake lifecycle servers with kube-apiserver + kube-controller-manager and the simulated operators attached.</summary>
public sealed class RealControlPlaneCakeServers : CakeLifecycleServers
{
    /// <inheritdoc />
    public override LifecycleEngine Engine => LifecycleEngine.RealControlPlane;
}

[CollectionDefinition(Name)]
public sealed class CakeLifecycleCollection : ICollectionFixture<LocalClusterCakeServers>
{
    public const string Name = "Cake lifecycle";
}

[CollectionDefinition(Name)]
public sealed class RealControlPlaneCakeLifecycleCollection : ICollectionFixture<RealControlPlaneCakeServers>
{
    public const string Name = "Cake lifecycle on the real control plane";
}
