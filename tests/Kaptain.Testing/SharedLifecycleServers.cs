using Kaptain.Testing.ControlPlane;
using Xunit;

namespace Kaptain.Testing;

/// <summary>
/// The <see cref="LifecycleServers"/> of one engine that a test assembly's fixture shares: started when the first test
/// of that engine asks for them and kept for the run, so that a run of one engine's tests does not start the other.
/// Without envtest assets the real control plane's tests are skipped with the reason and how to get them; servers that
/// do not start fail every test of the engine with the first failure.
/// </summary>
public sealed class SharedLifecycleServers(LifecycleEngine engine, string tasksAssembly, string? scenarioFile) : IAsyncDisposable
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private LifecycleServers? _servers;
    private Exception? _failure;

    /// <summary>The cluster these servers run.</summary>
    public LifecycleEngine Engine => engine;

    /// <summary>The running servers, started on first use.</summary>
    public async Task<LifecycleServers> GetAsync(CancellationToken cancellationToken)
    {
        if (engine == LifecycleEngine.RealControlPlane && EnvtestAssets.Find(out var reason) is null)
        {
            Assert.Skip(reason);
        }

        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException($"The {engine} servers did not start: {_failure.Message}", _failure);
            }

            try
            {
                return _servers ??= await LifecycleServers.StartAsync(tasksAssembly, scenarioFile, engine, CancellationToken.None).ConfigureAwait(false);
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
    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync().ConfigureAwait(false);
        }

        _starting.Dispose();
    }
}
