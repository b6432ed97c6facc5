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
    private readonly Lazy<SharedLifecycleServers> _shared;

    /// <summary>Makes the fixture; the servers start on first use.</summary>
    protected EndToEndServers() => _shared = new(() => new SharedLifecycleServers(Engine, TasksAssembly, Scenarios.File));

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

    /// <summary>The running servers, started on first use (see <see cref="SharedLifecycleServers"/>).</summary>
    public Task<LifecycleServers> GetAsync(CancellationToken cancellationToken) => _shared.Value.GetAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_shared.IsValueCreated)
        {
            await _shared.Value.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
