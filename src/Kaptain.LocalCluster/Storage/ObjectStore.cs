using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// The cluster's state: every object of every served type, in memory, with the API server's semantics — one global
/// resourceVersion counter, uid/creationTimestamp/generation, optimistic concurrency, status subresource separation,
/// CRD schema validation and pruning, finalizers and <c>deletionTimestamp</c>, owner-reference garbage collection, and
/// watches that resume from a resourceVersion. The HTTP layer and in-process controllers use the same methods, so a
/// controller sees exactly what a client sees. Every method is thread-safe; objects passed in are not kept and objects
/// returned are copies. Failures are <see cref="ApiException"/>s with the real server's code and reason.
/// </summary>
public sealed class ObjectStore
{
    private const string ForegroundFinalizer = "foregroundDeletion";
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<string, Entry>> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byUid = new(StringComparer.Ordinal);
    private readonly Queue<Change> _history = new();
    private readonly List<Subscriber> _subscribers = [];
    private readonly List<JsonObject> _removedPods = [];
    private readonly ObjectStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<string> _rootCa = new(NewRootCa);
    private long _resourceVersion;
    private long _compactedThrough;

    /// <summary>Creates an empty store serving the types of <paramref name="resources"/>.</summary>
    public ObjectStore(ResourceCatalog resources, ObjectStoreOptions? options = null, TimeProvider? time = null)
    {
        Resources = resources;
        _options = options ?? new ObjectStoreOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The served types; look a type up with <c>Resources.Get("batch/v1", "Job")</c>.</summary>
    public ResourceCatalog Resources { get; }

    /// <summary>The last resourceVersion handed out.</summary>
    public string ResourceVersion
    {
        get { lock (_lock) return _resourceVersion.ToString(CultureInfo.InvariantCulture); }
    }

    /// <summary>Raised (outside the store's lock) with each pod that has been removed, so its logs can be dropped.</summary>
    public event Action<JsonObject>? PodRemoved;

    // ---------------------------------------------------------------- reads

    /// <summary>The object, or null when it does not exist.</summary>
    public JsonObject? TryGet(ResourceType type, string? ns, string name)
    {
        lock (_lock)
            return Find(type, ns, name) is { } entry ? Present(type, entry.Object) : null;
    }

    /// <summary>The object.</summary>
    /// <exception cref="ApiException">404 NotFound.</exception>
    public JsonObject Get(ResourceType type, string? ns, string name) => TryGet(type, ns, name) ?? throw StatusErrors.NotFound(type, name);

    /// <summary>Lists objects of a type, in one namespace or (null) all, filtered by label and field selector strings.</summary>
    /// <exception cref="ApiException">400 for a malformed selector or an unsupported field.</exception>
    public ObjectList List(ResourceType type, string? ns = null, string? labelSelector = null, string? fieldSelector = null)
    {
        var labels = LabelSelector.Parse(labelSelector);
        var fields = FieldSelector.Parse(fieldSelector, type);
        lock (_lock)
        {
            var items = Entries(type)
                .Where(e => ns is null || Namespace(e.Object) == ns)
                .Where(e => labels.Matches(e.Object) && fields.Matches(e.Object))
                .Select(e => Present(type, e.Object))
                .ToList();
            return new ObjectList(items, _resourceVersion.ToString(CultureInfo.InvariantCulture));
        }
    }

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// Creates an object. <c>metadata.namespace</c> must be set for namespaced types; <c>metadata.generateName</c> is
    /// honoured; status is reset for types with a status subresource; custom resources are defaulted, validated and pruned.
    /// </summary>
    /// <exception cref="ApiException">409 AlreadyExists, 422 Invalid, 404 for a missing namespace, 400 for a mismatched kind.</exception>
    public JsonObject Create(ResourceType type, JsonObject obj, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        var candidate = (JsonObject)obj.DeepClone();
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            result = CreateLocked(type, candidate, options);
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    /// <summary>
    /// Replaces an object (PUT). A non-empty <c>metadata.resourceVersion</c> must equal the stored one (else 409
    /// Conflict); custom resources require it. For types with a status subresource the stored status is kept.
    /// Removing the last finalizer of an object with <c>deletionTimestamp</c> removes the object.
    /// </summary>
    /// <exception cref="ApiException">404, 409 Conflict, 422 Invalid.</exception>
    public JsonObject Update(ResourceType type, JsonObject obj, WriteOptions? options = null) => Write(type, obj, status: false, options);

    /// <summary>Replaces only the status of an object (PUT on <c>/status</c>); everything else is kept as stored.</summary>
    /// <exception cref="ApiException">404, 409 Conflict, 422 Invalid.</exception>
    public JsonObject UpdateStatus(ResourceType type, JsonObject obj, WriteOptions? options = null) => Write(type, obj, status: true, options);

    /// <summary>
    /// Patches an object (PATCH on the object, or on <c>/status</c> when <paramref name="statusSubresource"/>). An
    /// <see cref="PatchKind.Apply"/> patch creates the object when it does not exist.
    /// </summary>
    /// <exception cref="ApiException">404, 409, 415 (strategic merge on a custom resource), 422.</exception>
    public JsonObject Patch(ResourceType type, string? ns, string name, PatchKind kind, JsonNode patch, bool statusSubresource = false, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        if (kind == PatchKind.StrategicMerge && type.IsCustomResource)
            throw StatusErrors.UnsupportedMediaType("application/strategic-merge-patch+json");
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            var entry = Find(type, ns, name);
            if (entry is null)
            {
                if (kind != PatchKind.Apply || statusSubresource) throw StatusErrors.NotFound(type, name);
                if (patch is not JsonObject applied) throw StatusErrors.BadRequest("the apply configuration must be an object");
                var toCreate = (JsonObject)applied.DeepClone();
                var meta = Metadata(toCreate);
                meta["name"] ??= name;
                if (type.Namespaced) meta["namespace"] ??= ns;
                result = CreateLocked(type, toCreate, options);
                if (!options.DryRun && Find(type, ns, name) is { } createdEntry)
                    createdEntry.Applied[options.FieldManager ?? ""] = (JsonObject)applied.DeepClone();
            }
            else
            {
                var current = Present(type, entry.Object);
                JsonNode? patched = kind switch
                {
                    PatchKind.Merge => MergePatch.Apply(current, patch),
                    PatchKind.Json => JsonPatchDocument.Apply(current, patch as JsonArray ?? throw StatusErrors.BadRequest("a json patch must be an array")),
                    PatchKind.StrategicMerge => StrategicMergePatch.Apply(current, patch),
                    PatchKind.Apply => ServerSideApply(type, entry, current, patch, options),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                };
                if (patched is not JsonObject patchedObject) throw StatusErrors.BadRequest("the patch did not produce an object");
                // A patch without a resourceVersion is unconditional: it applies to the version it was applied to.
                var patchedMeta = Metadata(patchedObject);
                if (patchedMeta["resourceVersion"] is null) patchedMeta["resourceVersion"] = ResourceVersionOf(entry.Object);
                result = WriteLocked(type, patchedObject, statusSubresource, options);
            }
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    /// <summary>
    /// Reads the object, lets <paramref name="mutate"/> change it, and writes it back in one step (no conflict is
    /// possible). Returns the written object, or the unchanged object when <paramref name="mutate"/> returns false.
    /// Convenient for controllers: <c>store.Mutate(jobType, ns, name, job => { job["status"] = ...; return true; }, status: true)</c>.
    /// </summary>
    /// <exception cref="ApiException">404, 422.</exception>
    public JsonObject Mutate(ResourceType type, string? ns, string name, Func<JsonObject, bool> mutate, bool status = false)
    {
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            var entry = Find(type, ns, name) ?? throw StatusErrors.NotFound(type, name);
            var copy = Present(type, entry.Object);
            if (!mutate(copy)) return Present(type, entry.Object);
            Metadata(copy)["resourceVersion"] = ResourceVersionOf(entry.Object);
            result = WriteLocked(type, copy, status, WriteOptions.Default);
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    /// <summary>
    /// Deletes an object. Objects with finalizers (or deleted with <see cref="PropagationPolicy.Foreground"/>) get a
    /// <c>deletionTimestamp</c> and stay until their finalizers are removed; dependents are garbage collected per the policy.
    /// </summary>
    /// <exception cref="ApiException">404, 409 on a failed precondition.</exception>
    public DeleteResult Delete(ResourceType type, string? ns, string name, DeletionOptions? options = null)
    {
        options ??= DeletionOptions.Default;
        List<JsonObject> removed;
        DeleteResult result;
        lock (_lock)
        {
            var entry = Find(type, ns, name) ?? throw StatusErrors.NotFound(type, name);
            if (options.PreconditionUid is { } uid && uid != Uid(entry.Object))
                throw StatusErrors.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Uid(entry.Object)}");
            if (options.PreconditionResourceVersion is { } rv && rv != ResourceVersionOf(entry.Object))
                throw StatusErrors.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ResourceVersionOf(entry.Object)}");
            var policy = options.PropagationPolicy ?? DefaultPolicy(type, options.Warnings);
            if (options.DryRun)
            {
                var preview = Present(type, entry.Object);
                var removesNow = Finalizers(entry.Object).Count == 0 && policy != PropagationPolicy.Foreground && type != BuiltInResources.Namespace;
                if (!removesNow) Metadata(preview)["deletionTimestamp"] ??= Now();
                return new DeleteResult(preview, removesNow);
            }
            result = DeleteLocked(entry, policy);
            result = result with { Object = Present(type, result.Object) };
            CollectGarbage();
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    /// <summary>Deletes every object of a type in a namespace (or all) matching the selectors; returns what was deleted.</summary>
    public IReadOnlyList<JsonObject> DeleteCollection(ResourceType type, string? ns, string? labelSelector, string? fieldSelector, DeletionOptions? options = null)
    {
        var deleted = new List<JsonObject>();
        foreach (var item in List(type, ns, labelSelector, fieldSelector).Items)
        {
            try
            {
                deleted.Add(Delete(type, Namespace(item), Name(item), options).Object);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted meanwhile (for example by garbage collection): nothing left to do.
            }
        }
        return deleted;
    }

    // ---------------------------------------------------------------- watch

    /// <summary>
    /// Watches a type in a namespace (or all). Ends when <paramref name="cancellationToken"/> is cancelled, or after one
    /// ERROR event (410 Expired) when the requested resourceVersion is older than the retained history.
    /// </summary>
    /// <exception cref="ApiException">400 for a malformed selector or resourceVersion (thrown on the first iteration).</exception>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(ResourceType type, string? ns, WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var labels = LabelSelector.Parse(request.LabelSelector);
        var fields = FieldSelector.Parse(request.FieldSelector, type);
        var subscriber = new Subscriber(type, ns, labels, fields);
        var initial = new List<WatchEvent>();
        lock (_lock)
        {
            if (string.IsNullOrEmpty(request.ResourceVersion) || request.ResourceVersion == "0")
            {
                foreach (var entry in Entries(type).Where(e => subscriber.Matches(e.Object)))
                    initial.Add(new WatchEvent(WatchEventType.Added, Present(type, entry.Object)));
            }
            else
            {
                if (!long.TryParse(request.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                    throw StatusErrors.BadRequest($"invalid resource version \"{request.ResourceVersion}\"");
                if (from < _compactedThrough)
                {
                    initial.Add(new WatchEvent(WatchEventType.Error, StatusErrors.Expired(from, _compactedThrough + 1).ToStatus()));
                    subscriber = null;
                }
                else
                {
                    foreach (var change in _history.Where(c => c.ResourceVersion > from))
                        subscriber.Deliver(change);
                }
            }
            if (subscriber is not null) _subscribers.Add(subscriber);
        }
        try
        {
            foreach (var e in initial) yield return e;
            if (subscriber is null) yield break;
            var reader = subscriber.Channel.Reader;
            while (!cancellationToken.IsCancellationRequested)
            {
                var ready = reader.TryPeek(out _);
                if (!ready)
                {
                    if (request.AllowBookmarks)
                    {
                        var outcome = await WaitOrIdleAsync(reader, cancellationToken).ConfigureAwait(false);
                        if (outcome is null)
                        {
                            if (Bookmark(subscriber) is { } bookmark) yield return bookmark;
                            continue;
                        }
                        ready = outcome.Value;
                    }
                    else
                    {
                        ready = await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                if (!ready) yield break;
                while (reader.TryRead(out var next)) yield return next;
            }
        }
        finally
        {
            if (subscriber is not null)
                lock (_lock) _subscribers.Remove(subscriber);
        }
    }

    /// <summary>Drops the retained watch history so that a watch from any earlier resourceVersion gets 410 (a compaction).</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>Waits for an event; null when the bookmark interval passed first.</summary>
    private async Task<bool?> WaitOrIdleAsync(ChannelReader<WatchEvent> reader, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_options.BookmarkInterval);
        try
        {
            return await reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private WatchEvent? Bookmark(Subscriber subscriber)
    {
        lock (_lock)
        {
            // Everything up to the current version has been delivered to the channel once it is empty under the lock.
            if (subscriber.Channel.Reader.Count > 0) return null;
            var type = subscriber.Type;
            return new WatchEvent(WatchEventType.Bookmark, new JsonObject
            {
                ["kind"] = type.Kind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
            });
        }
    }

    // ---------------------------------------------------------------- core (under the lock)

    private JsonObject CreateLocked(ResourceType type, JsonObject obj, WriteOptions options)
    {
        CheckTypeOf(type, obj);
        var meta = Metadata(obj);
        var ns = type.Namespaced ? meta["namespace"]?.GetValue<string>() : null;
        if (type.Namespaced && string.IsNullOrEmpty(ns)) throw StatusErrors.BadRequest("the namespace of the object must be set");
        if (!type.Namespaced) meta.Remove("namespace");
        var name = meta["name"]?.GetValue<string>();
        var generateName = meta["generateName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(generateName))
            throw StatusErrors.Invalid(type, "", "metadata.name", "FieldValueRequired", "Required value: name or generateName is required");
        if (string.IsNullOrEmpty(name))
        {
            do name = generateName + RandomSuffix(); while (Find(type, ns, name) is not null);
            meta["name"] = name;
        }
        if (ns is not null && type != BuiltInResources.Namespace)
        {
            var nsEntry = Find(BuiltInResources.Namespace, null, ns) ?? throw StatusErrors.NotFound(BuiltInResources.Namespace, ns);
            if (DeletionTimestamp(nsEntry.Object) is not null)
                throw StatusErrors.Forbidden(type, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }

        // Server-managed fields: whatever the client sent is replaced.
        foreach (var field in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields" })
            meta.Remove(field);
        if (type.HasStatusSubresource) obj.Remove("status");
        meta["uid"] = Guid.NewGuid().ToString();
        ObjectDefaults.ForCreate(type, obj);
        Validate(type, obj, name, options);
        if (Find(type, ns, name) is not null) throw StatusErrors.AlreadyExists(type, name);

        meta["creationTimestamp"] = Now();
        if (type.TracksGeneration) meta["generation"] = 1;
        if (options.DryRun)
        {
            meta["resourceVersion"] = null;
            meta.Remove("resourceVersion");
            return Present(type, obj);
        }
        meta["resourceVersion"] = NextResourceVersion();
        var entry = new Entry(StorageType(type), obj);
        Table(type)[Key(ns, name)] = entry;
        _byUid[Uid(obj)] = entry;
        Record(WatchEventType.Added, entry, null);
        if (type.StorageKey == BuiltInResources.Namespace.StorageKey)
        {
            CreateDefaultServiceAccount(name);
            CreateRootCaConfigMap(name);
        }
        CollectGarbage();
        return Present(type, obj);
    }

    /// <summary>
    /// Every namespace gets the <c>kube-root-ca.crt</c> ConfigMap (the cluster CA), as kube-controller-manager's
    /// root-ca-cert-publisher makes it (on by default since v1.20). The stand-in serves plain HTTP, so its "CA" is a
    /// certificate made for this store only.
    /// </summary>
    private void CreateRootCaConfigMap(string ns)
    {
        if (Find(BuiltInResources.ConfigMap, ns, "kube-root-ca.crt") is not null) return;
        CreateLocked(BuiltInResources.ConfigMap, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["namespace"] = ns },
            ["data"] = new JsonObject { ["ca.crt"] = _rootCa.Value },
        }, WriteOptions.Default);
    }

    private static string NewRootCa()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=kaptain-local-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
        return certificate.ExportCertificatePem() + "\n";
    }

    /// <summary>Every namespace gets a <c>default</c> ServiceAccount, as the service account controller makes.</summary>
    private void CreateDefaultServiceAccount(string ns)
    {
        if (Find(BuiltInResources.ServiceAccount, ns, "default") is not null) return;
        CreateLocked(BuiltInResources.ServiceAccount, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } }, WriteOptions.Default);
    }

    private JsonObject Write(ResourceType type, JsonObject obj, bool status, WriteOptions? options)
    {
        options ??= WriteOptions.Default;
        var candidate = (JsonObject)obj.DeepClone();
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            result = WriteLocked(type, candidate, status, options);
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    private JsonObject WriteLocked(ResourceType type, JsonObject obj, bool status, WriteOptions options)
    {
        CheckTypeOf(type, obj);
        var meta = Metadata(obj);
        var name = meta["name"]?.GetValue<string>() ?? throw StatusErrors.Invalid(type, "", "metadata.name", "FieldValueRequired", "Required value: name is required");
        var ns = type.Namespaced ? meta["namespace"]?.GetValue<string>() : null;
        var entry = Find(type, ns, name) ?? throw StatusErrors.NotFound(type, name);
        var old = entry.Object;
        var rv = meta["resourceVersion"]?.GetValue<string>();
        if (string.IsNullOrEmpty(rv))
        {
            if (type.IsCustomResource)
                throw StatusErrors.Invalid(type, name, "metadata.resourceVersion", "FieldValueInvalid", "Invalid value: 0x0: must be specified for an update");
        }
        else if (rv != ResourceVersionOf(old))
        {
            throw StatusErrors.Conflict(type, name);
        }
        // A uid in the body is a precondition (k8s.io/apiserver registry/generic/registry/store.go Update).
        if (meta["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != Uid(old))
            throw StatusErrors.Conflict(type, name, $"StorageError: invalid object, Code: 4, Key: {StorageKeyPath(type, ns, name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: {uid}, UID in object meta: {Uid(old)}");

        JsonObject updated;
        if (status)
        {
            // A status write changes only status (metav1.ResetObjectMetaForStatus and the strategies' PrepareForUpdate).
            updated = (JsonObject)old.DeepClone();
            if (obj["status"] is { } newStatus) updated["status"] = newStatus.DeepClone();
            else updated.Remove("status");
        }
        else
        {
            updated = obj;
            var newMeta = Metadata(updated);
            var oldMeta = Metadata(old);
            foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                if (oldMeta[field] is { } value) newMeta[field] = value.DeepClone();
                else newMeta.Remove(field);
            }
            newMeta.Remove("selfLink");
            newMeta.Remove("managedFields");
            if (type.Namespaced) newMeta["namespace"] = ns;
            if (type.HasStatusSubresource)
            {
                if (old["status"] is { } oldStatus) updated["status"] = oldStatus.DeepClone();
                else updated.Remove("status");
            }
            if (DeletionTimestamp(old) is not null)
            {
                var added = Finalizers(updated).Except(Finalizers(old)).ToList();
                if (added.Count > 0)
                    throw StatusErrors.Invalid(type, name, "metadata.finalizers", "FieldValueForbidden", $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{string.Join("\", \"", added)}\"}}");
            }
        }
        ObjectDefaults.ForUpdate(type, updated, old);
        if (!status)
        {
            var immutable = new List<StatusCause>();
            ObjectValidation.ValidateUpdate(type, old, updated, immutable);
            if (immutable.Count > 0) throw StatusErrors.Invalid(type, name, immutable);
        }
        Validate(type, updated, name, options);
        Metadata(updated)["resourceVersion"] = ResourceVersionOf(old);
        if (type.TracksGeneration && !status && SpecChanged(type, old, updated))
            Metadata(updated)["generation"] = (JsonNumbers.AsLong(Metadata(old)["generation"]) ?? 0) + 1;

        if (JsonNode.DeepEquals(StorageForm(type, updated), old))
            return Present(type, old); // A no-op write does not bump the resourceVersion, as on the real server.
        if (options.DryRun) return Present(type, updated);

        var stored = StorageForm(type, updated);
        Metadata(stored)["resourceVersion"] = NextResourceVersion();
        var previous = entry.Object;
        entry.Object = stored;
        Record(WatchEventType.Modified, entry, previous);
        var result = Present(type, stored);
        if (DeletionTimestamp(stored) is not null && Finalizers(stored).Count == 0) Remove(entry);
        CollectGarbage();
        return result;
    }

    private JsonNode ServerSideApply(ResourceType type, Entry entry, JsonObject current, JsonNode patch, WriteOptions options)
    {
        // Server-side apply, simplified: the applied configuration merges into the object (lists with merge keys merge by
        // key), and fields this manager applied last time but no longer applies are removed. There are no managedFields
        // and so no conflicts between managers.
        if (patch is not JsonObject applied) throw StatusErrors.BadRequest("the apply configuration must be an object");
        var manager = options.FieldManager ?? "";
        var merged = (JsonObject)StrategicMergePatch.Apply(current, applied)!;
        if (entry.Applied.TryGetValue(manager, out var previous)) RemoveDropped(merged, previous, applied);
        if (!options.DryRun) entry.Applied[manager] = (JsonObject)applied.DeepClone();
        return merged;
    }

    private static void RemoveDropped(JsonObject target, JsonObject previous, JsonObject now)
    {
        foreach (var (key, value) in previous)
        {
            if (key is "apiVersion" or "kind" || (key is "name" or "namespace")) continue;
            if (!now.TryGetPropertyValue(key, out var nowValue)) target.Remove(key);
            else if (value is JsonObject p && nowValue is JsonObject n && target[key] is JsonObject t) RemoveDropped(t, p, n);
        }
    }

    private DeleteResult DeleteLocked(Entry entry, PropagationPolicy policy)
    {
        var obj = entry.Object;
        var type = entry.Type;
        if (policy == PropagationPolicy.Orphan)
            foreach (var dependent in Dependents(Uid(obj)).ToList()) RemoveOwnerReference(dependent, Uid(obj));

        var finalizers = Finalizers(obj);
        var isNamespace = type.StorageKey == BuiltInResources.Namespace.StorageKey;
        if (finalizers.Count == 0 && policy != PropagationPolicy.Foreground && !isNamespace)
        {
            Remove(entry);
            return new DeleteResult(entry.Object, Removed: true);
        }
        var updated = (JsonObject)obj.DeepClone();
        var meta = Metadata(updated);
        var changed = false;
        if (meta["deletionTimestamp"] is null)
        {
            meta["deletionTimestamp"] = Now();
            meta["deletionGracePeriodSeconds"] = 0;
            changed = true;
        }
        if (policy == PropagationPolicy.Foreground && !finalizers.Contains(ForegroundFinalizer))
        {
            var list = meta["finalizers"] as JsonArray ?? [];
            list.Add(ForegroundFinalizer);
            meta["finalizers"] = list;
            changed = true;
        }
        if (isNamespace && updated["status"]?["phase"]?.GetValue<string>() != "Terminating")
        {
            updated["status"] = new JsonObject { ["phase"] = "Terminating" };
            changed = true;
        }
        if (changed)
        {
            meta["resourceVersion"] = NextResourceVersion();
            entry.Object = updated;
            Record(WatchEventType.Modified, entry, obj);
        }
        return new DeleteResult(entry.Object, Removed: false);
    }

    /// <summary>Garbage collection and namespace cleanup, run to a fixed point after every change.</summary>
    private void CollectGarbage()
    {
        for (var pass = 0; pass < 1000; pass++)
        {
            if (!CollectOnce()) return;
        }
    }

    private bool CollectOnce()
    {
        var all = _objects.Values.SelectMany(t => t.Values).ToList();
        foreach (var entry in all)
        {
            if (!IsStored(entry)) continue;
            var obj = entry.Object;
            var uid = Uid(obj);
            var deleting = DeletionTimestamp(obj) is not null;

            // A namespace being deleted: delete its content, then the namespace.
            if (deleting && entry.Type.StorageKey == BuiltInResources.Namespace.StorageKey)
            {
                var name = Name(obj);
                var content = _objects.Values.SelectMany(t => t.Values).Where(e => e.Type.Namespaced && Namespace(e.Object) == name).ToList();
                var progressed = false;
                foreach (var item in content.Where(e => DeletionTimestamp(e.Object) is null))
                {
                    DeleteLocked(item, PropagationPolicy.Background);
                    progressed = true;
                }
                if (content.Count == 0 && Finalizers(obj).Count == 0)
                {
                    Remove(entry);
                    return true;
                }
                if (progressed) return true;
                continue;
            }

            // Foreground deletion: delete the dependents, and drop the finalizer once no blocking dependent is left.
            if (deleting && Finalizers(obj).Contains(ForegroundFinalizer))
            {
                var dependents = Dependents(uid).ToList();
                var progressed = false;
                foreach (var dependent in dependents.Where(d => DeletionTimestamp(d.Object) is null))
                {
                    DeleteLocked(dependent, Dependents(Uid(dependent.Object)).Any() ? PropagationPolicy.Foreground : PropagationPolicy.Background);
                    progressed = true;
                }
                if (progressed) return true;
                var blocking = Dependents(uid).Any(d => OwnerReferences(d.Object).Any(r => r["uid"]?.GetValue<string>() == uid && r["blockOwnerDeletion"]?.GetValue<bool>() == true));
                if (!blocking)
                {
                    RemoveFinalizer(entry, ForegroundFinalizer);
                    return true;
                }
            }

            // Dependents whose owners are all gone are deleted; references to owners that are gone are dropped.
            var owners = OwnerReferences(obj).ToList();
            if (owners.Count > 0 && !deleting)
            {
                var missing = owners.Where(r => !_byUid.ContainsKey(r["uid"]?.GetValue<string>() ?? "")).ToList();
                if (missing.Count == owners.Count)
                {
                    DeleteLocked(entry, PropagationPolicy.Background);
                    return true;
                }
                if (missing.Count > 0)
                {
                    foreach (var reference in missing) RemoveOwnerReference(entry, reference["uid"]!.GetValue<string>());
                    return true;
                }
            }
        }
        return false;
    }

    private void RemoveFinalizer(Entry entry, string finalizer)
    {
        var updated = (JsonObject)entry.Object.DeepClone();
        var list = Metadata(updated)["finalizers"] as JsonArray;
        foreach (var item in list?.Where(f => f?.GetValue<string>() == finalizer).ToList() ?? []) list!.Remove(item);
        if (list is { Count: 0 }) Metadata(updated).Remove("finalizers");
        var previous = entry.Object;
        Metadata(updated)["resourceVersion"] = NextResourceVersion();
        entry.Object = updated;
        Record(WatchEventType.Modified, entry, previous);
        if (Finalizers(updated).Count == 0) Remove(entry);
    }

    private void RemoveOwnerReference(Entry dependent, string ownerUid)
    {
        var updated = (JsonObject)dependent.Object.DeepClone();
        var meta = Metadata(updated);
        if (meta["ownerReferences"] is not JsonArray refs) return;
        foreach (var r in refs.Where(r => r?["uid"]?.GetValue<string>() == ownerUid).ToList()) refs.Remove(r);
        if (refs.Count == 0) meta.Remove("ownerReferences");
        var previous = dependent.Object;
        meta["resourceVersion"] = NextResourceVersion();
        dependent.Object = updated;
        Record(WatchEventType.Modified, dependent, previous);
    }

    private void Remove(Entry entry)
    {
        var obj = (JsonObject)entry.Object.DeepClone();
        Table(entry.Type).Remove(Key(Namespace(obj), Name(obj)));
        _byUid.Remove(Uid(obj));
        Metadata(obj)["resourceVersion"] = NextResourceVersion();
        var previous = entry.Object;
        entry.Object = obj;
        Record(WatchEventType.Deleted, entry, previous);
        if (entry.Type.StorageKey == BuiltInResources.Pod.StorageKey) _removedPods.Add(obj);
    }

    private bool IsStored(Entry entry) =>
        Table(entry.Type).TryGetValue(Key(Namespace(entry.Object), Name(entry.Object)), out var stored) && ReferenceEquals(stored, entry);

    private IEnumerable<Entry> Dependents(string ownerUid) =>
        _objects.Values.SelectMany(t => t.Values).Where(e => OwnerReferences(e.Object).Any(r => r["uid"]?.GetValue<string>() == ownerUid));

    private void Record(WatchEventType type, Entry entry, JsonObject? previous)
    {
        var change = new Change(long.Parse(ResourceVersionOf(entry.Object), CultureInfo.InvariantCulture), entry.Type, type, previous, entry.Object);
        _history.Enqueue(change);
        while (_history.Count > _options.WatchHistoryLimit) _compactedThrough = _history.Dequeue().ResourceVersion;
        foreach (var subscriber in _subscribers) subscriber.Deliver(change);
    }

    private void Validate(ResourceType type, JsonObject obj, string name, WriteOptions options)
    {
        if (!type.IsCustomResource)
        {
            BuiltInDecoding.Check(type, obj);
            BuiltInPruning.Prune(type, obj);
        }
        var causes = new List<StatusCause>();
        ObjectValidation.ValidateMetadata(type, obj, causes);
        ObjectValidation.ValidateBuiltIn(type, obj, causes);
        if (type.Schema is { } schema)
        {
            var pruned = new List<string>();
            StructuralSchemaValidator.Apply(schema, obj, causes, pruned);
            if (pruned.Count > 0)
            {
                if (string.Equals(options.FieldValidation, "Strict", StringComparison.OrdinalIgnoreCase))
                    throw StatusErrors.BadRequest("strict decoding error: " + string.Join(", ", pruned.Select(p => $"unknown field \"{p}\"")));
                if (!string.Equals(options.FieldValidation, "Ignore", StringComparison.OrdinalIgnoreCase))
                    foreach (var path in pruned) options.Warnings?.Add($"unknown field \"{path}\"");
            }
        }
        if (causes.Count > 0) throw StatusErrors.Invalid(type, name, causes);
    }

    private static bool SpecChanged(ResourceType type, JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o, bool status)
        {
            var copy = (JsonObject)o.DeepClone();
            copy.Remove("metadata");
            copy.Remove("apiVersion");
            if (status) copy.Remove("status");
            return copy;
        }
        return !JsonNode.DeepEquals(Strip(old, type.HasStatusSubresource), Strip(updated, type.HasStatusSubresource));
    }

    private static PropagationPolicy DefaultPolicy(ResourceType type, IList<string>? warnings)
    {
        // batch/v1 Jobs orphan their pods by default, for backwards compatibility (pkg/registry/batch/job/strategy.go).
        if (type.StorageKey == BuiltInResources.Job.StorageKey && type.Version == "v1")
        {
            warnings?.Add("child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning");
            return PropagationPolicy.Orphan;
        }
        return PropagationPolicy.Background;
    }

    private void CheckTypeOf(ResourceType type, JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        var kind = obj["kind"]?.GetValue<string>();
        if (kind is not null && kind != type.Kind)
            throw StatusErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        if (apiVersion is not null && apiVersion != type.ApiVersion)
            throw StatusErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (obj["metadata"] is not JsonObject) obj["metadata"] = new JsonObject();
    }

    private List<JsonObject> TakeRemovedPods()
    {
        var list = _removedPods.ToList();
        _removedPods.Clear();
        return list;
    }

    private void NotifyRemoved(List<JsonObject> pods)
    {
        foreach (var pod in pods) PodRemoved?.Invoke(pod);
    }

    private string NextResourceVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix() =>
        string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)];
        });

    private SortedDictionary<string, Entry> Table(ResourceType type)
    {
        if (!_objects.TryGetValue(type.StorageKey, out var table))
            _objects[type.StorageKey] = table = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        return table;
    }

    private IEnumerable<Entry> Entries(ResourceType type) => Table(type).Values;

    private Entry? Find(ResourceType type, string? ns, string name) =>
        Table(type).TryGetValue(Key(type.Namespaced ? ns : null, name), out var entry) ? entry : null;

    private ResourceType StorageType(ResourceType type) => type;

    /// <summary>The etcd key kube-apiserver would store the object under (its storage errors name it).</summary>
    private static string StorageKeyPath(ResourceType type, string? ns, string name) =>
        $"/registry/{(type.IsCustomResource ? type.Group + "/" : "")}{type.Plural}/{(ns is null ? "" : ns + "/")}{name}";

    private static string Key(string? ns, string name) => ns is null ? name : ns + "/" + name;

    /// <summary>The stored form: apiVersion is kept as written by whichever served version wrote last (conversion None).</summary>
    private static JsonObject StorageForm(ResourceType type, JsonObject obj) => obj;

    private static JsonObject Present(ResourceType type, JsonObject obj)
    {
        // A round trip through text, not DeepClone: every number comes back JSON-backed, so callers can read it as
        // int, long or double (a value the server set as an int would only read as an int).
        var copy = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        copy["apiVersion"] = type.ApiVersion;
        copy["kind"] = type.Kind;
        return copy;
    }

    internal static JsonObject Metadata(JsonObject obj) => obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    internal static string Name(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    internal static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    internal static string Uid(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>() ?? "";

    private static string ResourceVersionOf(JsonObject obj) => obj["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";

    private static string? DeletionTimestamp(JsonObject obj) => obj["metadata"]?["deletionTimestamp"]?.GetValue<string>();

    private static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>() ?? "").ToList() ?? [];

    private static IEnumerable<JsonObject> OwnerReferences(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>() ?? [];

    private sealed class Entry(ResourceType type, JsonObject obj)
    {
        public ResourceType Type { get; } = type;

        public JsonObject Object { get; set; } = obj;

        /// <summary>The last configuration each field manager applied (server-side apply).</summary>
        public Dictionary<string, JsonObject> Applied { get; } = new(StringComparer.Ordinal);
    }

    private sealed record Change(long ResourceVersion, ResourceType Type, WatchEventType EventType, JsonObject? Previous, JsonObject Current);

    private sealed class Subscriber(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        public ResourceType Type { get; } = type;

        public Channel<WatchEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<WatchEvent>();

        public bool Matches(JsonObject obj) => (ns is null || Namespace(obj) == ns) && labels.Matches(obj) && fields.Matches(obj);

        public void Deliver(Change change)
        {
            if (change.Type.StorageKey != Type.StorageKey) return;
            var now = Matches(change.Current);
            var before = change.Previous is not null && Matches(change.Previous);
            WatchEventType? kind = change.EventType switch
            {
                WatchEventType.Added => now ? WatchEventType.Added : null,
                WatchEventType.Deleted => before || now ? WatchEventType.Deleted : null,
                // A change that moves an object into or out of the selection looks like ADDED or DELETED, as on the real server.
                _ => (before, now) switch
                {
                    (true, true) => WatchEventType.Modified,
                    (false, true) => WatchEventType.Added,
                    (true, false) => WatchEventType.Deleted,
                    _ => null,
                },
            };
            if (kind is { } k) Channel.Writer.TryWrite(new WatchEvent(k, Present(Type, change.Current)));
        }
    }
}
