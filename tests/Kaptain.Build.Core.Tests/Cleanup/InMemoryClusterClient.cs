using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Core.Tests.Cleanup;

/// <summary>
/// A resource store in memory for unit tests of cleanup decisions (order, 404, keep, time limits). The wire behaviour is
/// tested against the local cluster in the integration tests.
/// </summary>
internal sealed class InMemoryClusterClient : IClusterResourceClient
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string ApiVersion, string Kind, string Namespace, string Name), JsonObject> objects = [];

    public string DefaultNamespace => "test";

    /// <summary>Every delete request, in order, with its propagation.</summary>
    public List<(string Kind, string Name, DeletePropagation Propagation)> Deletes { get; } = [];

    /// <summary>Names whose delete fails with this exception.</summary>
    public Dictionary<string, Exception> FailingDeletes { get; } = [];

    /// <summary>Names whose delete never answers.</summary>
    public HashSet<string> HangingDeletes { get; } = [];

    /// <summary>Names that stay after a delete was accepted (finalizers that never finish): as the API does, the
    /// delete sets their <c>metadata.deletionTimestamp</c>.</summary>
    public HashSet<string> Sticky { get; } = [];

    /// <summary>Kinds (by <c>Kind</c>) whose list and watch are forbidden (403), as for a Role without them.</summary>
    public HashSet<string> ForbiddenWatches { get; } = [];

    /// <summary>Names whose get is forbidden (403).</summary>
    public HashSet<string> ForbiddenGets { get; } = [];

    public JsonObject Add(ResourceKind kind, string name, IReadOnlyDictionary<string, string>? labels = null)
    {
        var labelNode = new JsonObject();
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            labelNode[key] = value;
        }

        var resource = new JsonObject
        {
            ["apiVersion"] = kind.ApiVersion,
            ["kind"] = kind.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = DefaultNamespace,
                ["uid"] = Guid.NewGuid().ToString(),
                ["labels"] = labelNode,
            },
        };
        lock (gate)
        {
            objects[(kind.ApiVersion, kind.Kind, DefaultNamespace, name)] = resource;
        }

        return resource;
    }

    public bool Exists(ResourceKind kind, string name)
    {
        lock (gate)
        {
            return objects.ContainsKey((kind.ApiVersion, kind.Kind, DefaultNamespace, name));
        }
    }

    public Task<JsonObject> CreateAsync(JsonObject resource, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<JsonObject?> GetAsync(ResourceKind kind, string? @namespace, string name, CancellationToken cancellationToken)
    {
        if (ForbiddenGets.Contains(name))
        {
            throw Forbidden(name);
        }

        lock (gate)
        {
            return Task.FromResult(objects.GetValueOrDefault((kind.ApiVersion, kind.Kind, @namespace ?? DefaultNamespace, name)));
        }
    }

    public async Task<bool> DeleteAsync(
        ResourceKind kind, string? @namespace, string name, DeletePropagation? propagation, string? uid, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Deletes.Add((kind.Kind, name, propagation ?? kind.Propagation));
        }

        if (FailingDeletes.TryGetValue(name, out var failure))
        {
            throw failure;
        }

        if (HangingDeletes.Contains(name))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        lock (gate)
        {
            var key = (kind.ApiVersion, kind.Kind, @namespace ?? DefaultNamespace, name);
            if (!objects.TryGetValue(key, out var existing))
            {
                return false;
            }

            if (uid is not null && KubernetesObjectJson.Uid(existing) != uid)
            {
                // What the API server answers with a 409 on a failed precondition, as the real client reports it.
                throw new ResourceReplacedException(
                    new Kaptain.Build.Cleanup.ResourceReference(kind.ApiVersion, kind.Kind, key.Item3, name, uid), KubernetesObjectJson.Uid(existing)!);
            }

            if (!Sticky.Contains(name))
            {
                objects.Remove(key);
            }
            else
            {
                objects[key]["metadata"]!["deletionTimestamp"] ??= "2026-01-01T00:00:00Z";
            }

            return true;
        }
    }

    public Task<ResourceList> ListAsync(
        ResourceKind kind, string? @namespace, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken)
    {
        if (ForbiddenWatches.Contains(kind.Kind))
        {
            throw Forbidden(kind.Plural);
        }

        var wanted = (labelSelector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('='))
            .ToList();
        var name = fieldSelector?.StartsWith("metadata.name=", StringComparison.Ordinal) == true
            ? fieldSelector["metadata.name=".Length..]
            : null;
        lock (gate)
        {
            var items = objects
                .Where(entry => entry.Key.ApiVersion == kind.ApiVersion && entry.Key.Kind == kind.Kind)
                .Where(entry => name is null || entry.Key.Name == name)
                .Where(entry => wanted.All(pair => KubernetesObjectJson.Label(entry.Value, pair[0]) == pair[1]))
                .Select(entry => entry.Value.DeepClone().AsObject())
                .ToList();
            return Task.FromResult(new ResourceList(items, "1"));
        }
    }

    public async IAsyncEnumerable<ResourceEvent> WatchAsync(
        ResourceKind kind,
        string? @namespace,
        string? labelSelector,
        string? fieldSelector,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var list = await ListAsync(kind, @namespace, labelSelector, fieldSelector, cancellationToken);
        foreach (var item in list.Items)
        {
            yield return new ResourceEvent(ResourceEventType.Added, item);
        }

        yield return new ResourceEvent(ResourceEventType.Synced, []);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task<bool> IsServedAsync(ResourceKind kind, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<Stream> ReadPodLogAsync(string? @namespace, string pod, PodLogOptions options, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public static KaptainException Forbidden(string name) =>
        new(KaptainDiagnostic.Error("KAPT1008", name, "ctx", "delete", "secrets", "test", "forbidden"));
}
