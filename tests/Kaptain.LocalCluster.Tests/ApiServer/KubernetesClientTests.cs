using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>The official KubernetesClient works against the local cluster unchanged: create, list, watch, patch, delete.</summary>
public sealed class KubernetesClientTests
{
    [Fact]
    public async Task Creates_lists_patches_and_deletes_config_maps()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;

        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings", Labels = new Dictionary<string, string> { ["app"] = "demo" } }, Data = new Dictionary<string, string> { ["a"] = "1" } },
            "default", cancellationToken: ct);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.NotNull(created.Metadata.CreationTimestamp);

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app=demo", cancellationToken: ct);
        Assert.Equal("settings", Assert.Single(list.Items).Metadata.Name);
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("{\"data\":{\"b\":\"2\"}}", V1Patch.PatchType.MergePatch), "settings", "default", cancellationToken: ct);
        Assert.Equal("1", patched.Data["a"]);
        Assert.Equal("2", patched.Data["b"]);
        Assert.NotEqual(created.Metadata.ResourceVersion, patched.Metadata.ResourceVersion);

        var status = await client.CoreV1.DeleteNamespacedConfigMapAsync("settings", "default", cancellationToken: ct);
        Assert.Equal("Success", status.Status);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default", cancellationToken: ct));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task Watches_added_modified_and_deleted_events_from_a_list_resource_version()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: ct);

        using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var events = new List<(WatchEventType Type, string Name, string? Value)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: watchCts.Token))
            {
                events.Add((type, item.Metadata.Name, (item.Data is { } d && d.TryGetValue("key", out var v) ? v : null)));
                if (type == WatchEventType.Deleted) return;
            }
        }, ct);

        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "watched" }, Data = new Dictionary<string, string> { ["key"] = "1" } }, "default", cancellationToken: ct);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"key\":\"2\"}}", V1Patch.PatchType.MergePatch), "watched", "default", cancellationToken: ct);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("watched", "default", cancellationToken: ct);
        await watching;

        Assert.Equal(
            [(WatchEventType.Added, "watched", "1"), (WatchEventType.Modified, "watched", "2"), (WatchEventType.Deleted, "watched", "2")],
            events);
    }

    [Fact]
    public async Task Creates_patches_and_deletes_custom_resources_through_the_generic_client()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;

        var created = (JsonElement)await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            JsonSerializer.Deserialize<JsonElement>(Manifests.TfJob("mnist").ToJsonString()), "kubeflow.org", "v1", "default", "tfjobs", cancellationToken: ct);
        Assert.Equal(1, created.GetProperty("metadata").GetProperty("generation").GetInt64());

        var patched = (JsonElement)await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"tfReplicaSpecs\":{\"Worker\":{\"replicas\":3}}}}", V1Patch.PatchType.MergePatch),
            "kubeflow.org", "v1", "default", "tfjobs", "mnist", cancellationToken: ct);
        Assert.Equal(3, patched.GetProperty("spec").GetProperty("tfReplicaSpecs").GetProperty("Worker").GetProperty("replicas").GetInt32());
        Assert.Equal(2, patched.GetProperty("metadata").GetProperty("generation").GetInt64());

        var list = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync("kubeflow.org", "v1", "default", "tfjobs", cancellationToken: ct);
        Assert.Equal("mnist", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("metadata").GetProperty("name").GetString());

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeflow.org", "v1", "default", "tfjobs", "mnist", propagationPolicy: "Background", cancellationToken: ct);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.GetNamespacedCustomObjectAsync("kubeflow.org", "v1", "default", "tfjobs", "mnist", cancellationToken: ct));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
    }
}
