using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Operators;

/// <summary>
/// Everything a simulated operator may do with a cluster: the Kubernetes API and nothing else, so that the same
/// simulations run against the local cluster's own API server and against any other (kube-apiserver, kind, minikube),
/// as KWOK's controllers do (kubernetes-sigs/kwok, <c>pkg/kwok/controllers</c>). Reads come from watch-fed caches
/// (client-go's informers); writes go to the server and their answers update the caches at once, so that a
/// controller never acts twice on a state it has already changed. Failures are <see cref="ApiException"/>s with the
/// server's code.
/// </summary>
internal interface IClusterApi
{
    /// <summary>The resource types the operators know (their paths, scopes and status subresources).</summary>
    ResourceCatalog Resources { get; }

    /// <summary>The cached object, or null (not there, or its type is not served).</summary>
    JsonObject? TryGet(ResourceType type, string? ns, string name);

    /// <summary>The cached object.</summary>
    /// <exception cref="ApiException">404: not there.</exception>
    JsonObject Get(ResourceType type, string? ns, string name);

    /// <summary>The cached objects of a type, in one namespace or (null) all, ordered by namespace and name.</summary>
    ObjectList List(ResourceType type, string? ns = null);

    /// <summary>Reads an object from the server (not the cache) and refreshes the cache with it; null on 404.</summary>
    Task<JsonObject?> ReadAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken);

    /// <summary>Creates an object (<c>POST</c>); the answer, with its name when it had a <c>generateName</c>.</summary>
    Task<JsonObject> CreateAsync(ResourceType type, JsonObject obj, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes an object with optimistic concurrency: <paramref name="mutate"/> gets a copy of the current object and
    /// says whether it changed it; then <c>PUT</c> (to <c>/status</c> when <paramref name="status"/>), again from a fresh
    /// read on 409. The object as written, or as it was when nothing changed.
    /// </summary>
    /// <exception cref="ApiException">404: the object is gone.</exception>
    Task<JsonObject> MutateAsync(ResourceType type, string? ns, string name, Func<JsonObject, bool> mutate, bool status = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object, with the options' propagation policy or the type's default.</summary>
    /// <exception cref="ApiException">404: it was gone already.</exception>
    Task DeleteAsync(ResourceType type, string? ns, string name, DeletionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Ends the graceful deletion of a pod whose containers have stopped (<c>DELETE</c> with
    /// <c>gracePeriodSeconds=0</c> and the pod's uid as precondition), as the kubelet does; a pod already gone is fine.</summary>
    Task ConfirmPodDeletedAsync(string ns, string pod, string uid, CancellationToken cancellationToken = default);

    /// <summary>Binds a pod to a node through <c>pods/binding</c>, as a scheduler does.</summary>
    Task BindAsync(string ns, string pod, string node, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="handler"/> for every change of the cached objects of <paramref name="type"/>
    /// (first an <see cref="WatchEventType.Added"/> for each one already there), one change at a time.</summary>
    void OnChange(ResourceType type, Action<WatchEventType, JsonObject> handler);
}
