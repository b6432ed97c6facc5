using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Patch formats: JSON patch, merge patch, strategic merge (built-ins only) and server-side apply.</summary>
public sealed class PatchTests
{
    [Fact]
    public async Task Strategic_merge_merges_containers_by_name_and_is_refused_for_custom_resources()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.Create(BuiltInResources.Pod, Manifests.Pod("p", "default", "a", "b"));
        var (code, patched, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/p",
            JsonNode.Parse("""{"spec":{"containers":[{"name":"b","image":"b:2"}]}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(200, code);
        var containers = patched!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["a busybox", "b b:2"], containers.Select(c => $"{c!["name"]} {c["image"]}"));

        cluster.Server.Store.Create(cluster.Server.Store.Resources.Get("kubeflow.org/v1", "TFJob"), Manifests.TfJob("t"));
        var (crCode, _, _) = await cluster.SendAsync(HttpMethod.Patch, "/apis/kubeflow.org/v1/namespaces/default/tfjobs/t",
            JsonNode.Parse("""{"spec":{}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(415, crCode);
    }

    [Fact]
    public async Task A_failing_json_patch_test_operation_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("c"));
        var (code, _, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/c",
            JsonNode.Parse("""[{"op":"test","path":"/data/key","value":"other"},{"op":"replace","path":"/data/key","value":"x"}]"""), "application/json-patch+json");
        Assert.Equal(422, code);
        Assert.Equal("value", cluster.Server.Store.Get(BuiltInResources.ConfigMap, "default", "c")["data"]!["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_side_apply_creates_updates_and_drops_fields_the_manager_no_longer_applies()
    {
        await using var cluster = await TestCluster.StartAsync();
        var first = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"1\"\n  b: \"2\"\n";
        var apply1 = await cluster.KubectlWithInputAsync(first, "apply", "--server-side", "-f", "-");
        Assert.True(apply1.ExitCode == 0, apply1.StandardError);
        var apply2 = await cluster.KubectlWithInputAsync(first.Replace("  b: \"2\"\n", "  c: \"3\"\n"), "apply", "--server-side", "-f", "-");
        Assert.True(apply2.ExitCode == 0, apply2.StandardError);
        var data = cluster.Server.Store.Get(BuiltInResources.ConfigMap, "default", "ssa")["data"]!.AsObject();
        Assert.Equal(["a", "c"], data.Select(p => p.Key).Order());
    }
}
