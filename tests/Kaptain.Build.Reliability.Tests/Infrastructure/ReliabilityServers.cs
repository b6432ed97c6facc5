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
    private readonly SemaphoreSlim _starting = new(1, 1);
    private LifecycleServers? _servers;
    private Exception? _failure;

    /// <summary>Counts the fixtures, so that the last one to stop prints the figures.</summary>
    protected ReliabilityServers() => Interlocked.Increment(ref _live);

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
                return _servers ??= await LifecycleServers.StartAsync(TasksAssembly, null, Engine, CancellationToken.None);
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

        // The run ends with its figures, so a CI log shows what it measured (the README quotes this table).
        if (Interlocked.Decrement(ref _live) == 0)
        {
            Console.Error.WriteLine(ReliabilityFigures.Table());
        }
    }
}
