using Kaptain.Testing;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>The local cluster, S3 server and registry the Cake lifecycle runs share (one set for the collection).</summary>
public sealed class CakeLifecycleServers : IAsyncLifetime
{
    private LifecycleServers? _servers;

    public LifecycleServers Servers => _servers ?? throw new InvalidOperationException("The servers are not started.");

    public async ValueTask InitializeAsync()
    {
        // The project copies import the source tree's targets with this build's task assembly (the test project
        // references the task project, so the fresh dll is beside the tests).
        var tasks = Path.Combine(AppContext.BaseDirectory, "Kaptain.Build.Tasks.dll");
        _servers = await LifecycleServers.StartAsync(tasks, scenarios: null, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CakeLifecycleCollection : ICollectionFixture<CakeLifecycleServers>
{
    public const string Name = "Cake lifecycle";
}
