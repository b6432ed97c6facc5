using System.Text.Json.Nodes;
using k8s.Models;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;
using k8s;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Deletion with each propagation policy and ownerReferences garbage collection.</summary>
public sealed class GarbageCollectionTests
{
    private static (JsonObject Owner, JsonObject Pod) CreateJobWithPod(ObjectStore store, string name)
    {
        var job = store.Create(BuiltInResources.Job, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject { ["restartPolicy"] = "Never", ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "busybox" }) },
                },
            },
        });
        var pod = store.Create(BuiltInResources.Pod, Manifests.OwnedBy(Manifests.Pod(name + "-pod"), job));
        return (job, pod);
    }

    [Fact]
    public async Task Background_deletes_the_owner_at_once_and_then_its_dependents()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        CreateJobWithPod(store, "bg");
        await cluster.Client.BatchV1.DeleteNamespacedJobAsync("bg", "default", propagationPolicy: "Background", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(store.TryGet(BuiltInResources.Job, "default", "bg"));
        Assert.Null(store.TryGet(BuiltInResources.Pod, "default", "bg-pod"));
    }

    [Fact]
    public async Task Foreground_keeps_the_owner_until_its_blocking_dependents_are_gone()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var (job, _) = CreateJobWithPod(store, "fg");
        // A finalizer on the pod holds it (and so its owner) in deletion, which makes the order observable.
        store.Patch(BuiltInResources.Pod, "default", "fg-pod", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"finalizers":["example.com/hold"]}}""")!);

        var response = await cluster.Client.BatchV1.DeleteNamespacedJobAsync("fg", "default", propagationPolicy: "Foreground", cancellationToken: TestContext.Current.CancellationToken);
        var owner = store.Get(BuiltInResources.Job, "default", "fg");
        Assert.NotNull(owner["metadata"]!["deletionTimestamp"]);
        Assert.Contains("foregroundDeletion", owner["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.NotNull(store.Get(BuiltInResources.Pod, "default", "fg-pod")["metadata"]!["deletionTimestamp"]);

        store.Patch(BuiltInResources.Pod, "default", "fg-pod", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);
        Assert.Null(store.TryGet(BuiltInResources.Pod, "default", "fg-pod"));
        Assert.Null(store.TryGet(BuiltInResources.Job, "default", "fg"));
    }

    [Fact]
    public async Task Orphan_deletes_the_owner_and_leaves_dependents_without_the_reference()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        CreateJobWithPod(store, "orphan");
        await cluster.Client.BatchV1.DeleteNamespacedJobAsync("orphan", "default", propagationPolicy: "Orphan", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(store.TryGet(BuiltInResources.Job, "default", "orphan"));
        var pod = store.Get(BuiltInResources.Pod, "default", "orphan-pod");
        Assert.Null(pod["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task A_batch_v1_job_deleted_without_a_policy_orphans_its_pods_with_a_warning_like_the_real_server()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        CreateJobWithPod(store, "default-policy");
        var (code, _, response) = await cluster.SendAsync(HttpMethod.Delete, "/apis/batch/v1/namespaces/default/jobs/default-policy");
        Assert.Equal(200, code);
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("child pods are preserved", StringComparison.Ordinal));
        Assert.NotNull(store.TryGet(BuiltInResources.Pod, "default", "default-policy-pod"));
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_content()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } }, cancellationToken: ct);
        cluster.Server.Store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("cfg", "team"));
        await cluster.Client.CoreV1.DeleteNamespaceAsync("team", cancellationToken: ct);
        Assert.Null(cluster.Server.Store.TryGet(BuiltInResources.ConfigMap, "team", "cfg"));
        Assert.Null(cluster.Server.Store.TryGet(BuiltInResources.Namespace, null, "team"));
    }
}
