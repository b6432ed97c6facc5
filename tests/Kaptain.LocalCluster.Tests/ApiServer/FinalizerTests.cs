using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Finalizers: a deleted object stays, with deletionTimestamp, until its finalizers are removed.</summary>
public sealed class FinalizerTests
{
    [Fact]
    public async Task An_object_with_finalizers_stays_until_the_last_one_is_removed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var cm = Manifests.ConfigMap("held");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/a", "example.com/b");
        var (createCode, _, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", cm);
        Assert.Equal(201, createCode);

        var (deleteCode, marked, _) = await cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/held");
        Assert.Equal(200, deleteCode); // the object, still there, with 200 (202 only for orphanDependents=false)
        Assert.NotNull(marked!["metadata"]!["deletionTimestamp"]);

        var (getCode, stillThere, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/held");
        Assert.Equal(200, getCode);
        Assert.NotNull(stillThere!["metadata"]!["deletionTimestamp"]);

        var (addCode, _, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/held",
            JsonNode.Parse("""{"metadata":{"finalizers":["example.com/a","example.com/b","example.com/new"]}}"""), "application/merge-patch+json");
        Assert.Equal(422, addCode); // no new finalizers once deleting

        var (oneCode, _, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/held",
            JsonNode.Parse("""[{"op":"remove","path":"/metadata/finalizers/0"}]"""), "application/json-patch+json");
        Assert.Equal(200, oneCode);
        Assert.NotNull(cluster.Server.Store.TryGet(BuiltInResources.ConfigMap, "default", "held"));

        var (lastCode, _, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/held",
            JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");
        Assert.Equal(200, lastCode);
        var (goneCode, _, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/held");
        Assert.Equal(404, goneCode);
    }

    [Fact]
    public async Task The_deleted_event_follows_the_finalizer_removal_on_a_watch()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var cm = Manifests.ConfigMap("w");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/a");
        store.Create(BuiltInResources.ConfigMap, cm);
        var rv = store.ResourceVersion;
        store.Delete(BuiltInResources.ConfigMap, "default", "w");
        store.Patch(BuiltInResources.ConfigMap, "default", "w", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"finalizers":[]}}""")!);

        var events = new List<string>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await foreach (var e in store.WatchAsync(BuiltInResources.ConfigMap, "default", new WatchRequest { ResourceVersion = rv }, cts.Token))
        {
            events.Add($"{e.Type} {(e.Object["metadata"]!["deletionTimestamp"] is null ? "live" : "deleting")}");
            if (e.Type == WatchEventType.Deleted) break;
        }
        Assert.Equal(["Modified deleting", "Modified deleting", "Deleted deleting"], events);
    }
}
