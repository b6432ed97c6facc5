using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;

namespace Kaptain.Build.Cluster;

/// <summary>
/// <see cref="IClusterResourceClient"/> over KubernetesClient. Every kind goes through the custom-objects operations
/// (which address the core group as <c>/api/v1</c>), so built-in and custom resources share one code path.
/// </summary>
public sealed class ClusterResourceClient : IClusterResourceClient
{
    private readonly KubernetesConnection connection;
    private readonly ConcurrentDictionary<ResourceKind, bool> served = new();

    /// <summary>Creates the client.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="resilience">The retry pipeline (shared, so its retry count covers the whole build).</param>
    /// <param name="journal">Where created resources are recorded; <see langword="null"/> to record nothing.</param>
    public ClusterResourceClient(KubernetesConnection connection, ClusterResilience resilience, ResourceJournal? journal = null)
    {
        this.connection = connection ?? throw new ArgumentNullException(nameof(connection));
        Resilience = resilience ?? throw new ArgumentNullException(nameof(resilience));
        Journal = journal;
    }

    /// <inheritdoc />
    public string DefaultNamespace => connection.Namespace;

    /// <summary>The retry pipeline and its count.</summary>
    public ClusterResilience Resilience { get; }

    /// <summary>The journal created resources are recorded in, if any.</summary>
    public ResourceJournal? Journal { get; }

    private IKubernetes Api => connection.Client;

    /// <inheritdoc />
    public async Task<JsonObject> CreateAsync(JsonObject resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var kind = ResourceKinds.Get(KubernetesObjectJson.ApiVersion(resource), KubernetesObjectJson.Kind(resource));
        var name = KubernetesObjectJson.Name(resource);
        if (name.Length == 0)
        {
            // A generated name cannot be read back after a retried create, so it could not be recorded safely.
            throw new ArgumentException("A resource to create needs metadata.name.", nameof(resource));
        }

        var ns = KubernetesObjectJson.Namespace(resource) ?? DefaultNamespace;
        var body = resource.DeepClone().AsObject();
        if (body["metadata"] is JsonObject metadata)
        {
            metadata["namespace"] = ns;
        }

        JsonObject created;
        try
        {
            created = await Resilience.ExecuteAsync(
                token => Unary(
                    timeout => Api.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(
                        body, kind.Group, kind.Version, ns, kind.Plural, cancellationToken: timeout),
                    token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) == HttpStatusCode.Conflict)
        {
            created = await ReadBackOwnAsync(kind, ns, name, resource, exception, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled with the request in flight: the server may have accepted it and only its answer is lost. The
            // journal must name what exists, or the cancelled run's cleanup would leave it behind.
            await RecordIfCreatedAsync(kind, ns, name, resource).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(connection, exception, "create", kind, ns, name);
        }

        Journal?.RecordCreated(created, ns);
        return created;
    }

    // After a create cancelled in flight: a get on a token of its own (the caller's is cancelled), and the object goes
    // into the journal when it is there and carries this run's label. Nothing else is claimed.
    private async Task RecordIfCreatedAsync(ResourceKind kind, string ns, string name, JsonObject wanted)
    {
        if (Journal is null || KubernetesObjectJson.Label(wanted, ManifestLabels.Run) is not { } ourRun)
        {
            return;
        }

        using var lookup = new CancellationTokenSource(connection.RequestTimeout);
        try
        {
            var existing = await GetAsync(kind, ns, name, lookup.Token).ConfigureAwait(false);
            if (existing is not null && KubernetesObjectJson.Label(existing, ManifestLabels.Run) == ourRun)
            {
                Journal.RecordCreated(existing, ns);
            }
        }
        catch (Exception exception) when (exception is KaptainException or OperationCanceledException)
        {
            // Unknown; a later KaptainCleanup finds it by its labels if it was created.
        }
    }

    /// <inheritdoc />
    public async Task<JsonObject?> GetAsync(ResourceKind kind, string? @namespace, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var ns = @namespace ?? DefaultNamespace;
        try
        {
            return await Resilience.ExecuteAsync(
                token => Unary(
                    timeout => Api.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(
                        kind.Group, kind.Version, ns, kind.Plural, name, cancellationToken: timeout),
                    token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(connection, exception, "get", kind, ns, name);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(
        ResourceKind kind, string? @namespace, string name, DeletePropagation? propagation, CancellationToken cancellationToken) =>
        DeleteAsync(kind, @namespace, name, propagation, null, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(
        ResourceKind kind, string? @namespace, string name, DeletePropagation? propagation, string? uid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var ns = @namespace ?? DefaultNamespace;
        var options = new V1DeleteOptions
        {
            PropagationPolicy = (propagation ?? kind.Propagation).ToString(),
            Preconditions = uid is null ? null : new V1Preconditions { Uid = uid },
        };
        try
        {
            await Resilience.ExecuteAsync(
                token => Unary(
                    timeout => Api.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(
                        kind.Group, kind.Version, ns, kind.Plural, name, options, cancellationToken: timeout),
                    token),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception exception) when (uid is not null && ClusterApiErrors.StatusCode(exception) == HttpStatusCode.Conflict)
        {
            // A failed precondition is 409 Conflict (kubernetes/kubernetes,
            // staging/src/k8s.io/apiserver/pkg/storage/errors/storage.go, InterpretDeleteError: IsInvalidObj ->
            // NewConflict): the name now belongs to another object. Read its uid for the message; if it went meanwhile,
            // ours is gone all the same.
            var current = await GetAsync(kind, ns, name, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return false;
            }

            throw new ResourceReplacedException(
                new Cleanup.ResourceReference(kind.ApiVersion, kind.Kind, ns, name, uid), KubernetesObjectJson.Uid(current) ?? "(none)", exception);
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(connection, exception, "delete", kind, ns, name);
        }
    }

    /// <inheritdoc />
    public async Task<ResourceList> ListAsync(
        ResourceKind kind, string? @namespace, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var ns = @namespace ?? DefaultNamespace;
        JsonObject list;
        try
        {
            list = await Resilience.ExecuteAsync(
                token => Unary(
                    timeout => Api.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(
                        kind.Group, kind.Version, ns, kind.Plural, fieldSelector: fieldSelector,
                        labelSelector: labelSelector, cancellationToken: timeout),
                    token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(connection, exception, "list", kind, ns, null);
        }

        var items = (list["items"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(item =>
            {
                // List items omit apiVersion and kind; put them back so every object names its kind.
                var copy = item.DeepClone().AsObject();
                copy["apiVersion"] ??= kind.ApiVersion;
                copy["kind"] ??= kind.Kind;
                return copy;
            })
            .ToList();
        return new ResourceList(items, KubernetesObjectJson.ResourceVersion(list));
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ResourceEvent> WatchAsync(
        ResourceKind kind,
        string? @namespace,
        string? labelSelector,
        string? fieldSelector,
        CancellationToken cancellationToken) =>
        WatchAsync(kind, @namespace, labelSelector, fieldSelector, lastStates: true, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ResourceEvent> WatchAsync(
        ResourceKind kind,
        string? @namespace,
        string? labelSelector,
        string? fieldSelector,
        bool lastStates,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var ns = @namespace ?? DefaultNamespace;
        // Every object seen (with its last state, unless the caller needs none), to report as Deleted one that a relist
        // no longer shows.
        var known = new LastKnownStates(lastStates);
        string? resourceVersion = null;
        var relist = true;
        var failuresInARow = 0;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (relist)
            {
                var list = await ListAsync(kind, ns, labelSelector, fieldSelector, cancellationToken).ConfigureAwait(false);
                var present = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in list.Items)
                {
                    var name = KubernetesObjectJson.Name(item);
                    present.Add(name);
                    var type = known.Contains(name) ? ResourceEventType.Modified : ResourceEventType.Added;
                    known.Set(name, item);
                    yield return new ResourceEvent(type, item);
                }

                foreach (var gone in known.Names.Where(name => !present.Contains(name)).ToList())
                {
                    yield return new ResourceEvent(ResourceEventType.Deleted, known.Take(gone) ?? new JsonObject
                    {
                        ["apiVersion"] = kind.ApiVersion,
                        ["kind"] = kind.Kind,
                        ["metadata"] = new JsonObject { ["name"] = gone, ["namespace"] = ns },
                    });
                }

                resourceVersion = list.ResourceVersion;
                relist = false;
                yield return new ResourceEvent(ResourceEventType.Synced, []);
            }

            var expired = false;
            Exception? streamError = null;
            var watch = Api.CustomObjects.WatchListNamespacedCustomObjectAsync(
                kind.Group, kind.Version, ns, kind.Plural, allowWatchBookmarks: true, fieldSelector: fieldSelector,
                labelSelector: labelSelector, resourceVersion: resourceVersion,
                onError: error =>
                {
                    // An ERROR event carries a Status; 410 Gone means our resource version is too old to resume from.
                    if (error is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
                    {
                        expired = true;
                    }
                },
                cancellationToken: cancellationToken);
            var events = watch.GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool moved;
                    try
                    {
                        moved = await events.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception exception) when (!cancellationToken.IsCancellationRequested
                                                      && IsResumable(exception))
                    {
                        streamError = exception;
                        break;
                    }

                    if (!moved || expired)
                    {
                        break;
                    }

                    failuresInARow = 0;
                    var (type, raw) = events.Current;
                    if (AsObject(raw) is not { } item)
                    {
                        continue;
                    }

                    resourceVersion = KubernetesObjectJson.ResourceVersion(item) ?? resourceVersion;
                    var name = KubernetesObjectJson.Name(item);
                    switch (type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified:
                            item["apiVersion"] ??= kind.ApiVersion;
                            item["kind"] ??= kind.Kind;
                            known.Set(name, item);
                            yield return new ResourceEvent(
                                type == WatchEventType.Added ? ResourceEventType.Added : ResourceEventType.Modified, item);
                            break;
                        case WatchEventType.Deleted:
                            item["apiVersion"] ??= kind.ApiVersion;
                            item["kind"] ??= kind.Kind;
                            known.Remove(name);
                            yield return new ResourceEvent(ResourceEventType.Deleted, item);
                            break;
                    }
                }
            }
            finally
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (ClusterApiErrors.StatusCode(streamError ?? new IOException()) == HttpStatusCode.Gone)
            {
                expired = true;
            }
            else if (streamError is not null && !TransientFaults.IsTransient(streamError, cancellationToken))
            {
                throw ClusterApiErrors.Translate(connection, streamError, "watch", kind, ns, null);
            }

            // The server ends watches after a while and networks drop them: resume from the last resource version, or
            // list again when the server no longer has it (410 Gone).
            relist = expired;
            Resilience.CountResume();
            if (streamError is not null || failuresInARow > 0 || relist)
            {
                failuresInARow++;
                if (streamError is not null && failuresInARow > Resilience.Options.MaxRetryAttempts)
                {
                    throw ClusterApiErrors.Translate(connection, streamError, "watch", kind, ns, null);
                }

                await Task.Delay(Resilience.ResumeDelay(failuresInARow), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // A watch that ends cleanly without any event in it is suspicious too; back off if it happens again.
                failuresInARow = 1;
            }
        }
    }

    // The client hands each watch event's object over as the JsonElement it read the line into: a DOM over it needs no
    // second serialisation (an Experiment's status names every trial, so that text is tens of kilobytes per change).
    private static JsonObject? AsObject(object? raw) => raw switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Object } element => JsonObject.Create(element),
        JsonElement => null,
        _ => JsonNode.Parse(KubernetesJson.Serialize(raw)) as JsonObject,
    };

    /// <inheritdoc />
    public async Task<bool> IsServedAsync(ResourceKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (served.TryGetValue(kind, out var known))
        {
            return known;
        }

        V1APIResourceList? resources;
        try
        {
            resources = await Resilience.ExecuteAsync(
                token => Unary(
                    timeout => kind.Group.Length == 0
                        ? Api.CoreV1.GetAPIResourcesWithHttpMessagesAsync(cancellationToken: timeout)
                        : Api.CustomObjects.GetAPIResourcesWithHttpMessagesAsync(kind.Group, kind.Version, cancellationToken: timeout),
                    token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) == HttpStatusCode.NotFound)
        {
            resources = null;
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(connection, exception, "get", kind, null, null);
        }

        var result = resources?.Resources?.Any(resource => resource.Name == kind.Plural) == true;
        served[kind] = result;
        return result;
    }

    /// <inheritdoc />
    public async Task<Stream> ReadPodLogAsync(
        string? @namespace, string pod, PodLogOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ns = @namespace ?? DefaultNamespace;
        try
        {
            // Not retried here: the caller resumes a followed stream itself, without repeating lines.
            var response = await Api.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(
                pod, ns, container: options.Container, follow: options.Follow, previous: options.Previous,
                sinceSeconds: options.SinceSeconds, tailLines: options.TailLines, timestamps: options.Timestamps,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.Response.StatusCode == HttpStatusCode.NoContent)
            {
                await response.Body.DisposeAsync().ConfigureAwait(false);
                throw new PodLogNotAvailableException();
            }

            return response.Body;
        }
        catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw ClusterApiErrors.Translate(connection, exception, "get", ResourceKinds.PodLog, ns, pod);
        }
    }

    private static bool IsResumable(Exception exception) =>
        exception is IOException or HttpRequestException or k8s.Autorest.HttpOperationException
        || exception is OperationCanceledException;

    // One request with its own timeout, so a hung connection becomes a transient fault instead of a hung build.
    private async Task<T> Unary<T>(
        Func<CancellationToken, Task<k8s.Autorest.HttpOperationResponse<T>>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connection.RequestTimeout);
        using var response = await call(timeout.Token).ConfigureAwait(false);
        return response.Body;
    }

    private async Task<JsonObject> ReadBackOwnAsync(
        ResourceKind kind, string ns, string name, JsonObject wanted, Exception conflict, CancellationToken cancellationToken)
    {
        // An AlreadyExists after a retried create usually means the first attempt landed and only its answer was lost.
        // It is ours when it carries this run's label; anything else is a real conflict the user must resolve.
        var existing = await GetAsync(kind, ns, name, cancellationToken).ConfigureAwait(false);
        var ourRun = KubernetesObjectJson.Label(wanted, ManifestLabels.Run);
        var theirRun = existing is null ? null : KubernetesObjectJson.Label(existing, ManifestLabels.Run);
        if (existing is not null && ourRun is not null && ourRun == theirRun)
        {
            return existing;
        }

        throw new KaptainException(
            KaptainDiagnostic.Error("KAPT1011", $"{kind.ResourceName}/{name}", kind.Kind, name, ns, theirRun ?? "(none)"),
            conflict);
    }
}
