using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Storage;

/// <summary>Deleting: finalizers, graceful and foreground deletion, and the garbage collector that follows ownerReferences.</summary>
public sealed partial class ObjectStore
{
    private readonly Dictionary<string, HashSet<Entry>> _dependents = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _toCollect = new();
    private readonly HashSet<Entry> _toCollectSet = [];

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

    /// <summary>
    /// Garbage collection and namespace cleanup, run to a fixed point after every change. Only the objects a change may
    /// have given work are looked at (see <see cref="TrackForCollection"/>), so a write costs what it touches, not the
    /// size of the store: a namespace holding a thousand trials and ten thousand events is no slower to write to than an
    /// empty one.
    /// </summary>
    private void CollectGarbage()
    {
        for (var pass = 0; pass < 100_000; pass++)
        {
            if (!CollectOnce()) return;
        }
    }

    /// <summary>Looks at the objects waiting for the collector until one needs an action, and takes it.</summary>
    private bool CollectOnce()
    {
        while (_toCollect.TryDequeue(out var entry))
        {
            _toCollectSet.Remove(entry);
            if (!IsStored(entry)) continue;
            if (CollectEntry(entry))
            {
                // Look at it again once what the action changed has been looked at.
                MarkForCollection(entry);
                return true;
            }
        }
        return false;
    }

    private bool CollectEntry(Entry entry)
    {
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
            return progressed;
        }

        // Foreground deletion: delete the dependents, and drop the finalizer once no blocking dependent is left.
        if (deleting && Finalizers(obj).Contains(ForegroundFinalizer))
        {
            var dependents = Dependents(uid);
            var progressed = false;
            foreach (var dependent in dependents.Where(d => DeletionTimestamp(d.Object) is null))
            {
                DeleteLocked(dependent, Dependents(Uid(dependent.Object)).Count > 0 ? PropagationPolicy.Foreground : PropagationPolicy.Background);
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
        return false;
    }

    /// <summary>
    /// Keeps the collector's graph from a change, as kube-controller-manager's graph builder keeps its own from its
    /// informers (kubernetes/kubernetes, pkg/controller/garbagecollector/graph_builder.go): the dependents of each
    /// owner uid, and the objects the change may have given work — the object itself, its owners (a foreground
    /// deletion waits for its dependents), its dependents once it is gone (their owner is missing), and its namespace
    /// while that is being deleted.
    /// </summary>
    private void TrackForCollection(WatchEventType type, Entry entry, JsonObject? previous)
    {
        var current = entry.Object;
        var before = previous is null ? [] : OwnerUids(previous);
        var after = type == WatchEventType.Deleted ? [] : OwnerUids(current);
        foreach (var owner in before.Except(after, StringComparer.Ordinal))
        {
            if (_dependents.TryGetValue(owner, out var set) && set.Remove(entry) && set.Count == 0) _dependents.Remove(owner);
        }
        foreach (var owner in after)
        {
            if (!_dependents.TryGetValue(owner, out var set)) _dependents[owner] = set = [];
            set.Add(entry);
        }

        if (type != WatchEventType.Deleted) MarkForCollection(entry);
        foreach (var owner in before.Concat(after))
        {
            if (_byUid.TryGetValue(owner, out var ownerEntry)) MarkForCollection(ownerEntry);
        }
        if (type == WatchEventType.Deleted && _dependents.TryGetValue(Uid(current), out var dependents))
        {
            foreach (var dependent in dependents) MarkForCollection(dependent);
        }
        if (entry.Type.Namespaced && Namespace(current) is { Length: > 0 } ns
            && Find(BuiltInResources.Namespace, null, ns) is { } namespaceEntry
            && DeletionTimestamp(namespaceEntry.Object) is not null)
        {
            MarkForCollection(namespaceEntry);
        }
    }

    private void MarkForCollection(Entry entry)
    {
        if (_toCollectSet.Add(entry)) _toCollect.Enqueue(entry);
    }

    private static List<string> OwnerUids(JsonObject obj) =>
        OwnerReferences(obj).Select(r => r["uid"]?.GetValue<string>()).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

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

    private List<Entry> Dependents(string ownerUid) =>
        _dependents.TryGetValue(ownerUid, out var dependents) ? dependents.Where(IsStored).ToList() : [];

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
}
