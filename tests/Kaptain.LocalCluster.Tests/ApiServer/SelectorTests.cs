using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>labelSelector and fieldSelector on list, as the real server parses and supports them.</summary>
public sealed class SelectorTests
{
    private static async Task<List<string>> NamesAsync(TestCluster cluster, string query)
    {
        var (code, list, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?" + query);
        Assert.Equal(200, code);
        // Every namespace also has the kube-root-ca.crt ConfigMap (as root-ca-cert-publisher makes it); leave it out.
        return list!["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Where(n => n != "kube-root-ca.crt").Order().ToList();
    }

    [Fact]
    public async Task Label_selectors_support_equality_sets_and_existence()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("web", labels: new() { ["tier"] = "web", ["env"] = "prod" }));
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("db", labels: new() { ["tier"] = "db", ["env"] = "prod" }));
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("cache", labels: new() { ["tier"] = "cache" }));
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("plain"));

        Assert.Equal(["web"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("tier=web")));
        Assert.Equal(["db"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("tier==db")));
        Assert.Equal(["cache", "plain", "web"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("tier!=db")));
        Assert.Equal(["db", "web"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("tier in (web, db)")));
        Assert.Equal(["cache", "plain"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("tier notin (web,db)")));
        Assert.Equal(["db", "web"], await NamesAsync(cluster, "labelSelector=env"));
        Assert.Equal(["cache", "plain"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("!env")));
        Assert.Equal(["web"], await NamesAsync(cluster, "labelSelector=" + Uri.EscapeDataString("env=prod,tier in (web,cache)")));

        var (bad, status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?labelSelector=" + Uri.EscapeDataString("a=b=c"));
        Assert.Equal(400, bad);
        Assert.Equal("BadRequest", status!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Field_selectors_support_name_namespace_and_pod_phase_and_reject_other_fields()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("a"));
        store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap("b"));
        Assert.Equal(["a"], await NamesAsync(cluster, "fieldSelector=metadata.name%3Da"));
        Assert.Equal(["b"], await NamesAsync(cluster, "fieldSelector=metadata.name%21%3Da,metadata.namespace%3Ddefault"));

        store.Create(BuiltInResources.Pod, Manifests.Pod("running"));
        store.Create(BuiltInResources.Pod, Manifests.Pod("pending"));
        store.Mutate(BuiltInResources.Pod, "default", "running", p => { p["status"]!["phase"] = "Running"; return true; }, status: true);
        var (_, pods, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=status.phase%3DRunning");
        Assert.Equal("running", Assert.Single(pods!["items"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>());

        var (bad, status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?fieldSelector=data.key%3Dvalue");
        Assert.Equal(400, bad);
        Assert.Equal("BadRequest", status!["reason"]!.GetValue<string>());

        var (badPod, _, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=spec.containers%3Dx");
        Assert.Equal(400, badPod);
    }
}
