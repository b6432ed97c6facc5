using System.Reflection;
using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;
using Xunit;

[assembly: AssemblyFixture(typeof(Kaptain.Build.EndToEnd.Tests.Infrastructure.LocalClusterServers))]
[assembly: AssemblyFixture(typeof(Kaptain.Build.EndToEnd.Tests.Infrastructure.RealControlPlaneServers))]

namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The servers every end-to-end test of one engine shares (<see cref="LifecycleServers"/>: the cluster with the suite's
/// <see cref="Scenarios"/>, s3rver, docker-registry), started when the first test of that engine asks for them and
/// kept for the run, so that a run of one engine's tests does not start the other. Tests keep apart by their own
/// namespace, model id, image and bucket, so they can run side by side.
/// </summary>
public abstract class EndToEndServers : IAsyncLifetime
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private LifecycleServers? _servers;
    private Exception? _failure;

    /// <summary>The cluster these servers run.</summary>
    public abstract LifecycleEngine Engine { get; }

    /// <summary>The task assembly this test project's build produced (a project reference that is not referenced).</summary>
    public static string TasksAssembly
    {
        get
        {
            var configuration = typeof(EndToEndServers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "KaptainTasksConfiguration").Value!;
            return RepositoryPaths.Combine("src", "Kaptain.Build.Tasks", "bin", configuration, "net10.0", "Kaptain.Build.Tasks.dll");
        }
    }

    /// <summary>
    /// The running servers, started on first use. Without envtest assets the real control plane's tests are skipped
    /// with the reason and how to get them; servers that do not start fail every test of the engine.
    /// </summary>
    public async Task<LifecycleServers> GetAsync(CancellationToken cancellationToken)
    {
        if (Engine == LifecycleEngine.RealControlPlane && EnvtestAssets.Find(out var reason) is null)
        {
            Assert.Skip(reason);
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException($"The {Engine} servers did not start: {_failure.Message}", _failure);
            }

            try
            {
                return _servers ??= await LifecycleServers.StartAsync(TasksAssembly, Scenarios.File, Engine, CancellationToken.None);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
            {
                _failure = e;
                throw;
            }
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
