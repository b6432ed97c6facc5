using System.Threading.Channels;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The work queue of a controller, as client-go's: keys (<c>namespace/name</c>) are coalesced while they wait, and one
/// worker reconciles them one at a time, so a controller never races itself on one object.
/// </summary>
/// <param name="time">The clock for delayed keys.</param>
internal sealed class ReconcileQueue(TimeProvider time)
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _waiting = [];
    private readonly Lock _lock = new();

    /// <summary>Queues a key unless it is already waiting.</summary>
    public void Add(string key)
    {
        lock (_lock)
        {
            if (!_waiting.Add(key))
            {
                return;
            }
        }

        _channel.Writer.TryWrite(key);
    }

    /// <summary>Queues a key after a delay (a timer: a TTL, a scenario's running time).</summary>
    public void AddAfter(string key, TimeSpan delay, CancellationToken cancellationToken)
    {
        _ = Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, time, cancellationToken)
            .ContinueWith(t => Add(key), cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Reconciles keys as they come until cancelled.</summary>
    public async Task RunAsync(Func<string, CancellationToken, Task> reconcile, CancellationToken cancellationToken)
    {
        await foreach (var key in _channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            lock (_lock)
            {
                _waiting.Remove(key);
            }

            await reconcile(key, cancellationToken).ConfigureAwait(false);
        }
    }
}
