using System.Text.Json.Nodes;
using k8s;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Watch semantics: resuming from a resourceVersion, 410 for one too old, bookmarks, selectors, timeoutSeconds.</summary>
public sealed class WatchTests
{
    private static async Task<List<JsonObject>> ReadWatchAsync(TestCluster cluster, string path, int expected)
    {
        using var response = await cluster.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        var events = new List<JsonObject>();
        while (events.Count < expected && await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            events.Add(JsonNode.Parse(line)!.AsObject());
        return events;
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_older_than_the_history_gets_410_expired()
    {
        await using var cluster = await TestCluster.StartAsync(o => o.Store = o.Store with { WatchHistoryLimit = 5 });
        var store = cluster.Server.Store;
        var first = store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("c0"));
        var oldVersion = first["metadata"]!["resourceVersion"]!.GetValue<string>();
        for (var i = 1; i <= 10; i++) store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap($"c{i}"));

        var events = await ReadWatchAsync(cluster, $"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={oldVersion}", 1);
        var error = Assert.Single(events);
        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal("Status", error["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());

        // KubernetesClient surfaces it too (as an error event the watcher reports).
        var clientErrors = new List<Exception>();
        var seen = new List<k8s.WatchEventType>();
        await foreach (var (type, _) in cluster.Client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: oldVersion, onError: clientErrors.Add, cancellationToken: TestContext.Current.CancellationToken))
            seen.Add(type);
        Assert.True(clientErrors.Count > 0 || seen.Contains(k8s.WatchEventType.Error));
    }

    [Fact]
    public async Task A_watch_resumes_after_the_given_resource_version_with_every_later_change()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("before"));
        var from = store.List(BuiltInResources.ConfigMap, "default").ResourceVersion;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("after"));
        store.Patch(BuiltInResources.ConfigMap, "default", "after", PatchKind.Merge, JsonNode.Parse("""{"data":{"key":"v2"}}""")!);
        store.Delete(BuiltInResources.ConfigMap, "default", "before");

        var events = await ReadWatchAsync(cluster, $"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={from}", 3);
        Assert.Equal(["ADDED after", "MODIFIED after", "DELETED before"], events.Select(e => $"{e["type"]} {e["object"]!["metadata"]!["name"]}"));
        var versions = events.Select(e => long.Parse(e["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>())).ToList();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task A_watch_without_a_resource_version_starts_with_the_current_objects_and_the_watch_path_works()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("one"));
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("two"));
        var events = await ReadWatchAsync(cluster, "/api/v1/watch/namespaces/default/configmaps", 3);
        Assert.Equal(["ADDED kube-root-ca.crt", "ADDED one", "ADDED two"], events.Select(e => $"{e["type"]} {e["object"]!["metadata"]!["name"]}"));

        var single = await ReadWatchAsync(cluster, "/api/v1/watch/namespaces/default/configmaps/two", 1);
        Assert.Equal("two", single[0]["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_resource_version_and_timeout_seconds_ends_the_stream()
    {
        await using var cluster = await TestCluster.StartAsync(o => o.Store = o.Store with { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var store = cluster.Server.Store;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("x"));
        var rv = store.ResourceVersion;

        using var response = await cluster.Http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=2", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken); // ends by itself after timeoutSeconds
        var events = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal("BOOKMARK", e["type"]!.GetValue<string>()));
        Assert.Equal(rv, events[0]["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("ConfigMap", events[0]["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_label_selected_watch_sees_objects_enter_and_leave_the_selection()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var rv = store.ResourceVersion;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("m", labels: new() { ["tier"] = "web" }));
        store.Patch(BuiltInResources.ConfigMap, "default", "m", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"labels":{"tier":"db"}}}""")!);
        store.Patch(BuiltInResources.ConfigMap, "default", "m", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"labels":{"tier":"web"}}}""")!);

        var events = await ReadWatchAsync(cluster, $"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&labelSelector=tier%3Dweb", 3);
        Assert.Equal(["ADDED", "DELETED", "ADDED"], events.Select(e => e["type"]!.GetValue<string>()));
    }
}
