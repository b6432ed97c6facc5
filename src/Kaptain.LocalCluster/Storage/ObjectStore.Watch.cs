using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Storage;

/// <summary>Watches: the retained history (the 410 window), subscribers, bookmarks and compaction.</summary>
public sealed partial class ObjectStore
{
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
        var added = new List<string>(); // the objects' texts, parsed outside the lock
        lock (_lock)
        {
            if (string.IsNullOrEmpty(request.ResourceVersion) || request.ResourceVersion == "0")
            {
                foreach (var entry in Entries(type).Where(e => subscriber.Matches(e.Object)))
                    added.Add(entry.Object.ToJsonString());
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
            foreach (var text in added) yield return new WatchEvent(WatchEventType.Added, Present(type, text));
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
                while (reader.TryRead(out var next)) yield return subscriber.Materialize(next);
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
    private async Task<bool?> WaitOrIdleAsync(ChannelReader<PendingEvent> reader, CancellationToken cancellationToken)
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

    private void Record(WatchEventType type, Entry entry, JsonObject? previous)
    {
        var change = new Change(long.Parse(ResourceVersionOf(entry.Object), CultureInfo.InvariantCulture), entry.Type, type, previous, entry.Object);
        _history.Enqueue(change);
        while (_history.Count > _options.WatchHistoryLimit) _compactedThrough = _history.Dequeue().ResourceVersion;
        foreach (var subscriber in _subscribers) subscriber.Deliver(change);
        TrackForCollection(type, entry, previous);
    }
}
