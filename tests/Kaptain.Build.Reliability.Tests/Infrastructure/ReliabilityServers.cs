using System.Reflection;
using Kaptain.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(Kaptain.Build.Reliability.Tests.Infrastructure.ReliabilityServers))]

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>The servers of the suite (local cluster with simulated controllers, s3rver, docker-registry), started once.</summary>
public sealed class ReliabilityServers : IAsyncLifetime
{
    private LifecycleServers? _servers;

    /// <summary>The running servers.</summary>
    public LifecycleServers Servers => _servers ?? throw new InvalidOperationException("The servers are not started.");

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

    /// <inheritdoc />
    public async ValueTask InitializeAsync() =>
        _servers = await LifecycleServers.StartAsync(TasksAssembly, null, TestContext.Current.CancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }

        // The run ends with its figures, so a CI log shows what it measured (the README quotes this table).
        Console.Error.WriteLine(ReliabilityFigures.Table());
    }
}
