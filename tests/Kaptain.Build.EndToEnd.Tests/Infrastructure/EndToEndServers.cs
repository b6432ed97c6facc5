using System.Reflection;
using Kaptain.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(Kaptain.Build.EndToEnd.Tests.Infrastructure.EndToEndServers))]

namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The servers every end-to-end test shares, started once for the test run (<see cref="LifecycleServers"/>: the local
/// cluster in this process with the suite's <see cref="Scenarios"/>, s3rver, docker-registry). Tests keep apart by
/// their own namespace, model id, image and bucket, so they can run side by side.
/// </summary>
public sealed class EndToEndServers : IAsyncLifetime
{
    private LifecycleServers? _servers;

    /// <summary>The running servers.</summary>
    public LifecycleServers Servers => _servers ?? throw new InvalidOperationException("The servers are not started.");

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

    /// <inheritdoc />
    public async ValueTask InitializeAsync() =>
        _servers = await LifecycleServers.StartAsync(TasksAssembly, Scenarios.File, TestContext.Current.CancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }
    }
}
