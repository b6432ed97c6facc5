using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Create, read, delete, list and watch the resources the lifecycle uses, built-in or custom, in their JSON form.
/// Idempotent calls retry transient faults; a create is retried safely (an AlreadyExists after a retried create is
/// accepted when the object carries this run's label); watches resume after a drop.
/// </summary>
public interface IClusterResourceClient
{
    /// <summary>The namespace used when a call or a resource names none.</summary>
    string DefaultNamespace { get; }

    /// <summary>
    /// Creates the resource (its <c>apiVersion</c> and <c>kind</c> say which kind) and, when the client has a journal,
    /// records it there the moment the API accepts it.
    /// </summary>
    /// <returns>The resource as the server stored it (with uid and resource version).</returns>
    /// <exception cref="Diagnostics.KaptainException">A <c>KAPT10xx</c> error.</exception>
    Task<JsonObject> CreateAsync(JsonObject resource, CancellationToken cancellationToken);

    /// <summary>Reads one resource; <see langword="null"/> when it does not exist.</summary>
    Task<JsonObject?> GetAsync(ResourceKind kind, string? @namespace, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes one resource with a propagation policy (the kind's own when <paramref name="propagation"/> is
    /// <see langword="null"/>).
    /// </summary>
    /// <returns><see langword="true"/> when the server accepted the delete; <see langword="false"/> when it was already gone (404).</returns>
    Task<bool> DeleteAsync(ResourceKind kind, string? @namespace, string name, DeletePropagation? propagation, CancellationToken cancellationToken) =>
        DeleteAsync(kind, @namespace, name, propagation, null, cancellationToken);

    /// <summary>
    /// Deletes one resource if it is still the object with <paramref name="uid"/> (the delete carries
    /// <c>preconditions.uid</c>; <see langword="null"/> deletes whatever has the name). Everything a run created is
    /// deleted this way, with the uid recorded at create, so that a later object of the same name is never deleted in
    /// its place.
    /// </summary>
    /// <returns><see langword="true"/> when the server accepted the delete; <see langword="false"/> when it was already gone (404).</returns>
    /// <exception cref="ResourceReplacedException">The object of that name has another uid; nothing was deleted.</exception>
    Task<bool> DeleteAsync(ResourceKind kind, string? @namespace, string name, DeletePropagation? propagation, string? uid, CancellationToken cancellationToken);

    /// <summary>Lists resources of a kind, optionally filtered by label and field selectors.</summary>
    /// <exception cref="Diagnostics.KaptainException"><c>KAPT1010</c> when the cluster does not serve the kind.</exception>
    Task<ResourceList> ListAsync(ResourceKind kind, string? @namespace, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken);

    /// <summary>
    /// Lists, then watches, resources of a kind until <paramref name="cancellationToken"/> is cancelled. The current
    /// state comes first (as <see cref="ResourceEventType.Added"/>, closed by a <see cref="ResourceEventType.Synced"/>),
    /// then every change. A dropped watch resumes from the
    /// last resource version; when that is too old (410 Gone) the client lists again and reports what changed meanwhile
    /// (ending with another <see cref="ResourceEventType.Synced"/>).
    /// </summary>
    IAsyncEnumerable<ResourceEvent> WatchAsync(ResourceKind kind, string? @namespace, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="WatchAsync(ResourceKind, string?, string?, string?, CancellationToken)"/>; with
    /// <paramref name="lastStates"/> false the watch remembers only the names of the objects it has seen, not their last
    /// states, and an object a relist no longer shows is reported <see cref="ResourceEventType.Deleted"/> with its
    /// apiVersion, kind, name and namespace only. For a watch of many objects whose deletions the caller ignores (a tune's
    /// thousand trials): the memory then no longer grows with the objects' size.
    /// </summary>
    IAsyncEnumerable<ResourceEvent> WatchAsync(ResourceKind kind, string? @namespace, string? labelSelector, string? fieldSelector, bool lastStates, CancellationToken cancellationToken) =>
        WatchAsync(kind, @namespace, labelSelector, fieldSelector, cancellationToken);

    /// <summary>Whether the cluster serves the kind (its group/version is installed and lists the resource).</summary>
    Task<bool> IsServedAsync(ResourceKind kind, CancellationToken cancellationToken);

    /// <summary>Opens a container's log; the caller disposes the stream.</summary>
    Task<Stream> ReadPodLogAsync(string? @namespace, string pod, PodLogOptions options, CancellationToken cancellationToken);
}
