using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Waits for a resource to reach a state by watching it (not polling): it returns as soon as the event that satisfies
/// the predicate arrives. Dropped watches resume; a timeout ends the wait with the last state seen.
/// </summary>
public sealed class ResourceWatch
{
    private const string NameField = "metadata.name";
    private readonly IClusterResourceClient client;

    /// <summary>Creates the helper over a resource client.</summary>
    public ResourceWatch(IClusterResourceClient client) =>
        this.client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>Waits until <paramref name="isDone"/> holds for the resource, it is deleted, or the timeout passes.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="namespace">The namespace; the client's default when <see langword="null"/>.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="isDone">The awaited state, usually a terminal status (for example a <c>Succeeded</c> or <c>Failed</c> condition).</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="onChange">Called with every state seen (to report progress), before the predicate is checked.</param>
    /// <param name="cancellationToken">Cancels the wait (throws <see cref="OperationCanceledException"/>).</param>
    public async Task<ResourceWaitResult> WaitForAsync(
        ResourceKind kind,
        string? @namespace,
        string name,
        Func<JsonObject, bool> isDone,
        TimeSpan timeout,
        Action<JsonObject>? onChange,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(isDone);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        JsonObject? last = null;
        try
        {
            await foreach (var change in client
                               .WatchAsync(kind, @namespace, null, $"{NameField}={name}", deadline.Token)
                               .ConfigureAwait(false))
            {
                switch (change.Type)
                {
                    case ResourceEventType.Synced when last is null:
                    case ResourceEventType.Deleted when KubernetesObjectJson.Name(change.Resource) == name:
                        return new ResourceWaitResult(ResourceWaitOutcome.Deleted, last ?? NullIfEmpty(change.Resource));
                    case ResourceEventType.Added or ResourceEventType.Modified
                        when KubernetesObjectJson.Name(change.Resource) == name:
                        last = change.Resource;
                        onChange?.Invoke(last);
                        if (isDone(last))
                        {
                            return new ResourceWaitResult(ResourceWaitOutcome.Satisfied, last);
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ResourceWaitResult(ResourceWaitOutcome.TimedOut, last);
        }

        // WatchAsync only ends by cancellation.
        throw new InvalidOperationException("The watch ended without being cancelled.");
    }

    /// <summary>Waits until the resource is gone (or replaced by a new object of the same name).</summary>
    /// <returns><see langword="true"/> when it is gone; <see langword="false"/> when the timeout passed first.</returns>
    public async Task<bool> WaitForDeletionAsync(
        ResourceKind kind,
        string? @namespace,
        string name,
        string? uid,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var result = await WaitForAsync(
            kind,
            @namespace,
            name,
            resource => uid is not null && KubernetesObjectJson.Uid(resource) is { } current && current != uid,
            timeout,
            null,
            cancellationToken).ConfigureAwait(false);
        return result.Outcome != ResourceWaitOutcome.TimedOut;
    }

    private static JsonObject? NullIfEmpty(JsonObject resource) => resource.Count == 0 ? null : resource;
}
