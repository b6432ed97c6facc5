using System.Reflection;
using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;
using Xunit;

[assembly: AssemblyFixture(typeof(Kaptain.Build.Reliability.Tests.Infrastructure.LocalClusterReliabilityServers))]
[assembly: AssemblyFixture(typeof(Kaptain.Build.Reliability.Tests.Infrastructure.RealControlPlaneReliabilityServers))]

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>
/// The servers of the suite for one engine (<see cref="LifecycleServers"/>: the cluster with the simulated operators,
/// s3rver, docker-registry), started when the first test of that engine asks for them and kept for the run, so that a
/// run of one engine's classes does not start the other (as the end-to-end suite's <c>EndToEndServers</c>).
/// </summary>
public abstract class ReliabilityServers : IAsyncLifetime
{
    private static int _live;
    private readonly Lazy<SharedLifecycleServers> _shared;

    /// <summary>Counts the fixtures, so that the last one to stop prints the figures.</summary>
    protected ReliabilityServers()
    {
        Interlocked.Increment(ref _live);
        _shared = new(() => new SharedLifecycleServers(Engine, TasksAssembly, null));
    }

    /// <summary>The cluster these servers run.</summary>
    public abstract LifecycleEngine Engine { get; }

    /// <summary>Whether to run the exhaustive sweeps (the figures command) rather than the representative subset.</summary>
    public static bool Full => Environment.GetEnvironmentVariable("KAPTAIN_RELIABILITY_FIGURES") == "1";

    /// <summary>The task assembly this test project's build produced.</summary>
    public static string TasksAssembly
    {
        get
        {
            var configuration = typeof(ReliabilityServers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
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

        // The run ends with its figures, so a CI log shows what it measured (the README quotes this table).
        if (Interlocked.Decrement(ref _live) == 0)
        {
            Console.Error.WriteLine(ReliabilityFigures.Table());
        }
    }
}
