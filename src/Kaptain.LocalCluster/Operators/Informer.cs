using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Controllers;
using Kaptain.LocalCluster.Storage;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Operators;

/// <summary>
/// The cache of one resource type across all namespaces, kept by list-then-watch as client-go's reflector and
/// informer do (<c>k8s.io/client-go/tools/cache/reflector.go</c>): a full list, a watch from the list's
/// resourceVersion with bookmarks, a new watch from the last version seen when one ends, a new list on
/// <c>410 Gone</c>. Writes of this process are put in at once (<see cref="Observe"/>); an event older than what is
/// cached is ignored. Handlers are called one change at a time.
/// </summary>
internal sealed class Informer
{
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<Action<WatchEventType, JsonObject>> _handlers = [];
    private readonly Lock _lock = new();
    private readonly Lock _dispatch = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly KubernetesApi _api;
    private readonly ILogger _log;

    public Informer(KubernetesApi api, ResourceType type, ILogger log)
    {
        _api = api;
        Type = type;
        _log = log;
    }

    /// <summary>The type cached.</summary>
    public ResourceType Type { get; }

    /// <summary>Completes after the first list (or when the server does not serve the type).</summary>
    public Task Synced => _synced.Task;

    /// <summary>Whether the server serves the type (false until a list succeeded).</summary>
    public bool Served { get; private set; }

    public static string Key(string? ns, string name) => $"{ns}/{name}";

    public JsonObject? TryGet(string? ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(Key(Type.Namespaced ? ns : null, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public List<JsonObject> List(string? ns)
    {
        lock (_lock)
        {
            return _objects.Values
                .Where(o => ns is null || ObjectFields.Namespace(o) == ns)
                .OrderBy(ObjectFields.Namespace, StringComparer.Ordinal)
                .ThenBy(ObjectFields.Name, StringComparer.Ordinal)
                .Select(o => (JsonObject)o.DeepClone())
                .ToList();
        }
    }

    /// <summary>Adds a handler; it first sees every cached object as added.</summary>
    public void AddHandler(Action<WatchEventType, JsonObject> handler)
    {
        lock (_dispatch)
        {
            List<JsonObject> existing;
            lock (_lock)
            {
                _handlers.Add(handler);
                existing = _objects.Values.Select(o => (JsonObject)o.DeepClone()).ToList();
            }

            foreach (var obj in existing)
            {
                handler(WatchEventType.Added, obj);
            }
        }
    }

    /// <summary>Puts an object the server answered with into the cache, unless a newer version is there.</summary>
    public void Observe(JsonObject obj)
    {
        var key = Key(Type.Namespaced ? ObjectFields.Namespace(obj) : null, ObjectFields.Name(obj));
        WithKindOf(obj);
        WatchEventType change;
        lock (_dispatch)
        {
            lock (_lock)
            {
                if (_objects.TryGetValue(key, out var cached))
                {
                    if (Version(cached) >= Version(obj))
                    {
                        return;
                    }

                    change = WatchEventType.Modified;
                }
                else
                {
                    change = WatchEventType.Added;
                }

                _objects[key] = (JsonObject)obj.DeepClone();
            }

            Dispatch(change, obj);
        }
    }

    /// <summary>Drops an object the server deleted.</summary>
    public void Forget(string? ns, string name)
    {
        lock (_dispatch)
        {
            JsonObject? removed;
            lock (_lock)
            {
                var key = Key(Type.Namespaced ? ns : null, name);
                if (_objects.Remove(key, out removed) is false)
                {
                    return;
                }
            }

            Dispatch(WatchEventType.Deleted, removed!);
        }
    }

    /// <summary>Lists and watches until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                if (resourceVersion is null)
                {
                    // Not served (yet): a CRD may be installed later.
                    _synced.TrySetResult();
                    await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Served = true;
                _synced.TrySetResult();
                while (resourceVersion is not null)
                {
                    resourceVersion = await WatchAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogDebug(e, "Watching {Type} failed; listing again", Type.Plural);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static long Version(JsonNode obj) =>
        long.TryParse(ObjectFields.Text(obj["metadata"]?["resourceVersion"]), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private void WithKindOf(JsonObject obj)
    {
        // Items of a built-in list carry no kind and apiVersion; the controllers need them (owner references, events).
        obj["kind"] ??= Type.Kind;
        obj["apiVersion"] ??= Type.ApiVersion;
    }

    private void Dispatch(WatchEventType change, JsonObject obj)
    {
        Action<WatchEventType, JsonObject>[] handlers;
        lock (_lock)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            try
            {
                handler(change, (JsonObject)obj.DeepClone());
            }
            catch (Exception e)
            {
                _log.LogWarning(e, "A handler of {Type} failed", Type.Plural);
            }
        }
    }

    /// <summary>A full list (paged); the list's resourceVersion, or null when the type is not served.</summary>
    private async Task<string?> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        string? continueToken = null;
        string? resourceVersion;
        do
        {
            var query = "?limit=500" + (continueToken is null ? string.Empty : "&continue=" + Uri.EscapeDataString(continueToken));
            JsonObject list;
            try
            {
                list = await _api.SendForObjectAsync(HttpMethod.Get, KubernetesApi.CollectionPath(Type, null) + query, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                return null;
            }

            items.AddRange((list["items"] as JsonArray ?? []).OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()));
            resourceVersion = ObjectFields.Text(list["metadata"]?["resourceVersion"]);
            continueToken = ObjectFields.Text(list["metadata"]?["continue"]) is { Length: > 0 } next ? next : null;
        }
        while (continueToken is not null);

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            listed.Add(Key(Type.Namespaced ? ObjectFields.Namespace(item) : null, ObjectFields.Name(item)));
            Observe(item);
        }

        List<JsonObject> gone;
        lock (_lock)
        {
            gone = _objects.Where(p => !listed.Contains(p.Key)).Select(p => p.Value).ToList();
        }

        foreach (var obj in gone)
        {
            Forget(ObjectFields.Namespace(obj), ObjectFields.Name(obj));
        }

        return resourceVersion ?? "0";
    }

    /// <summary>One watch; the resourceVersion to watch from next, or null to list again (410 Gone).</summary>
    private async Task<string?> WatchAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var path = KubernetesApi.CollectionPath(Type, null) + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=" + Uri.EscapeDataString(resourceVersion);
        await foreach (var line in _api.StreamLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if (JsonNode.Parse(line) is not JsonObject change || change["object"] is not JsonObject obj)
            {
                continue;
            }

            switch (ObjectFields.Text(change["type"]))
            {
                case "ADDED" or "MODIFIED":
                    Observe(obj);
                    break;
                case "DELETED":
                    Forget(ObjectFields.Namespace(obj), ObjectFields.Name(obj));
                    break;
                case "BOOKMARK":
                    break;
                case "ERROR":
                    // 410 Gone (too old) or another failure: list again.
                    return null;
                default:
                    continue;
            }

            resourceVersion = ObjectFields.Text(obj["metadata"]?["resourceVersion"]) ?? resourceVersion;
        }

        return resourceVersion;
    }
}
