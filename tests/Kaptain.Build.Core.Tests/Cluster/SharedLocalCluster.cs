using Kaptain.LocalCluster.Hosting;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>
/// One local cluster for the cluster-layer integration tests (starting one loads every CRD, which takes seconds); each
/// test works in a namespace of its own. The tests run one at a time (<see cref="LocalClusterCollection"/>) because
/// fault injection is cluster-wide.
/// </summary>
public sealed class SharedLocalCluster : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private LocalClusterServer? cluster;

    public async Task<LocalClusterServer> GetAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return cluster ??= await LocalClusterServer.StartAsync(new LocalClusterOptions(), cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        gate.Dispose();
    }
}
