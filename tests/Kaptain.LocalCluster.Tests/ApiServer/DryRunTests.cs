using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>dryRun=All validates and answers like the real write, but stores nothing and sends no watch event.</summary>
public sealed class DryRunTests
{
    [Fact]
    public async Task Dry_run_create_update_patch_and_delete_change_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var before = store.ResourceVersion;

        var (createCode, created, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/kubeflow.org/v1/namespaces/default/tfjobs?dryRun=All", Manifests.TfJob("dry"));
        Assert.Equal(201, createCode);
        Assert.Equal("dry", created!["metadata"]!["name"]!.GetValue<string>());
        Assert.Null(store.TryGet(store.Resources.Get("kubeflow.org/v1", "TFJob"), "default", "dry"));
        Assert.Equal(before, store.ResourceVersion);

        var (invalidCode, _, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/kubeflow.org/v1/namespaces/default/tfjobs?dryRun=All", Manifests.TfJob("dry", replicas: "x"));
        Assert.Equal(422, invalidCode); // a dry run still validates

        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("real"));
        var rv = store.ResourceVersion;
        var (patchCode, patched, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/real?dryRun=All",
            JsonNode.Parse("""{"data":{"key":"dry"}}"""), "application/merge-patch+json");
        Assert.Equal(200, patchCode);
        Assert.Equal("dry", patched!["data"]!["key"]!.GetValue<string>());
        Assert.Equal("value", store.Get(BuiltInResources.ConfigMap, "default", "real")["data"]!["key"]!.GetValue<string>());

        var update = store.Get(BuiltInResources.ConfigMap, "default", "real");
        update["data"]!["key"] = "dry-put";
        var (putCode, _, _) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/real?dryRun=All", update);
        Assert.Equal(200, putCode);
        Assert.Equal("value", store.Get(BuiltInResources.ConfigMap, "default", "real")["data"]!["key"]!.GetValue<string>());

        var (deleteCode, _, _) = await cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/real?dryRun=All");
        Assert.Equal(200, deleteCode);
        Assert.NotNull(store.TryGet(BuiltInResources.ConfigMap, "default", "real"));
        Assert.Equal(rv, store.ResourceVersion);

        var kubectl = await cluster.KubectlWithInputAsync(Manifests.ConfigMap("kubectl-dry").ToJsonString(), "create", "--dry-run=server", "-f", "-");
        Assert.Equal(0, kubectl.ExitCode);
        Assert.Null(store.TryGet(BuiltInResources.ConfigMap, "default", "kubectl-dry"));
    }
}
