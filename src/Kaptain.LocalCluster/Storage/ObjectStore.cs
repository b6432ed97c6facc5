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
/// This file holds the state and the reads; <c>ObjectStore.Writes.cs</c> creates, updates and patches,
/// <c>ObjectStore.Deletion.cs</c> deletes (finalizers, garbage collection), <c>ObjectStore.Watch.cs</c> serves watches,
/// <c>ObjectStore.ServerSideApply.cs</c> keeps field ownership (managedFields) and merges applied configurations.
/// </summary>
public sealed partial class ObjectStore
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

    // A round trip through text, not DeepClone: every number comes back JSON-backed, so callers can read it as int, long
    // or double (a value the server set as an int would only read as an int).
    private static JsonObject Present(ResourceType type, JsonObject obj) => Present(type, obj.ToJsonString());

    private static JsonObject Present(ResourceType type, string text)
    {
        var copy = JsonNode.Parse(text)!.AsObject();
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
    }

    private sealed record Change(long ResourceVersion, ResourceType Type, WatchEventType EventType, JsonObject? Previous, JsonObject Current)
    {
        private string? _text;

        /// <summary>The changed object's text, written once for every subscriber (under the store's lock, so that it is the
        /// state of this change); each subscriber parses its own copy outside the lock.</summary>
        public string Text => _text ??= Current.ToJsonString();
    }

    /// <summary>A change a subscriber is to get, not yet parsed: the parse happens on the watcher's side of the channel,
    /// not in the writer's critical section (with many watchers and large objects it was most of a write's time).</summary>
    private readonly record struct PendingEvent(WatchEventType Type, string Text);

    private sealed class Subscriber(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        public ResourceType Type { get; } = type;

        public Channel<PendingEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<PendingEvent>();

        /// <summary>The event as the watcher gets it: a copy of its own, with the type's kind and apiVersion.</summary>
        public WatchEvent Materialize(PendingEvent pending) => new(pending.Type, Present(Type, pending.Text));

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
            if (kind is { } k) Channel.Writer.TryWrite(new PendingEvent(k, change.Text));
        }
    }
}
