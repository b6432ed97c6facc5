using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>What a client finds without asking for it: discovery entries, a namespace's initial content, list pages.</summary>
public abstract partial class ApiServerConformanceTests
{
    [Fact]
    public async Task Discovery_lists_the_subresources_and_groups_clients_use()
    {
        var (admin, _) = await UseServerAsync("discovery");
        var core = await SendAsync(admin, HttpMethod.Get, "/api/v1");
        var resources = (core.Body?["resources"] as JsonArray ?? []).Select(r => r?["name"]?.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "pods", "pods/log", "pods/status", "pods/binding", "serviceaccounts/token", "configmaps", "secrets" }, resources);

        var groups = await SendAsync(admin, HttpMethod.Get, "/apis");
        var names = (groups.Body?["groups"] as JsonArray ?? []).Select(g => g?["name"]?.GetValue<string>()).ToHashSet();
        // events.k8s.io is not here: the stand-in does not serve it (see its ARCHITECTURE.md).
        Assert.Superset(new HashSet<string?> { "apps", "batch", "rbac.authorization.k8s.io", "apiextensions.k8s.io" }, names);
    }

    [Fact]
    public async Task A_new_namespace_gets_the_kube_root_ca_config_map()
    {
        var (admin, ns) = await UseServerAsync("rootca");
        // kube-controller-manager's root-ca-cert-publisher makes it soon after the namespace: a bounded watch waits.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true&fieldSelector=metadata.name%3Dkube-root-ca.crt&timeoutSeconds=60", UriKind.Relative));
        using var response = await admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        var line = await reader.ReadLineAsync(Token);
        Assert.False(string.IsNullOrEmpty(line), "no kube-root-ca.crt within 60 s");
        var added = JsonNode.Parse(line!)!;
        Assert.Equal("ADDED", added["type"]?.GetValue<string>());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", added["object"]?["data"]?["ca.crt"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_pod_gets_the_defaults_and_admission_fields_a_client_reads_back()
    {
        var (admin, ns) = await UseServerAsync("poddefaults");
        var pod = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"defaults"},
             "spec":{"containers":[{"name":"main","image":"busybox"},{"name":"pinned","image":"busybox:1.36"}]}}
            """);
        var created = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", pod);
        Assert.True(created.Code == 201, created.ToString());
        var spec = created.Body!["spec"]!;
        Assert.Equal("Always", spec["restartPolicy"]?.GetValue<string>());
        Assert.Equal("ClusterFirst", spec["dnsPolicy"]?.GetValue<string>());
        Assert.Equal("default-scheduler", spec["schedulerName"]?.GetValue<string>());
        Assert.Equal("default", spec["serviceAccountName"]?.GetValue<string>());
        Assert.Equal(30, spec["terminationGracePeriodSeconds"]?.GetValue<int>());
        Assert.True(spec["enableServiceLinks"]?.GetValue<bool>());
        Assert.Equal(0, spec["priority"]?.GetValue<int>());
        // DefaultTolerationSeconds admission: 300 s on not-ready and unreachable nodes.
        var tolerations = (spec["tolerations"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        Assert.Equal(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"], tolerations.Select(t => t["key"]?.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(tolerations, t => Assert.Equal(300, t["tolerationSeconds"]?.GetValue<int>()));
        var containers = (spec["containers"] as JsonArray)!;
        Assert.Equal("Always", containers[0]?["imagePullPolicy"]?.GetValue<string>());
        Assert.Equal("IfNotPresent", containers[1]?["imagePullPolicy"]?.GetValue<string>());
        Assert.Equal("/dev/termination-log", containers[0]?["terminationMessagePath"]?.GetValue<string>());
        Assert.Equal("File", containers[0]?["terminationMessagePolicy"]?.GetValue<string>());
        Assert.Equal("Pending", created.Body["status"]?["phase"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_list_is_read_in_pages_with_limit_and_continue()
    {
        var (admin, ns) = await UseServerAsync("pages");
        var configMaps = $"/api/v1/namespaces/{ns}/configmaps";
        foreach (var name in new[] { "page-a", "page-b", "page-c" })
        {
            var map = ConfigMap(name);
            map["metadata"]!["labels"] = new JsonObject { ["pages"] = "yes" };
            Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, configMaps, map)).Code);
        }

        var first = await SendAsync(admin, HttpMethod.Get, $"{configMaps}?labelSelector=pages%3Dyes&limit=2");
        Assert.Equal(["page-a", "page-b"], (first.Body?["items"] as JsonArray ?? []).Select(i => i?["metadata"]?["name"]?.GetValue<string>()));
        var token = first.Body?["metadata"]?["continue"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(token), first.ToString());

        var second = await SendAsync(admin, HttpMethod.Get, $"{configMaps}?labelSelector=pages%3Dyes&limit=2&continue={Uri.EscapeDataString(token!)}");
        Assert.Equal(["page-c"], (second.Body?["items"] as JsonArray ?? []).Select(i => i?["metadata"]?["name"]?.GetValue<string>()));
        Assert.Null(second.Body?["metadata"]?["continue"]);
        // Every page is of the first page's resourceVersion (one snapshot).
        Assert.Equal(first.Body?["metadata"]?["resourceVersion"]?.GetValue<string>(), second.Body?["metadata"]?["resourceVersion"]?.GetValue<string>());

        var bad = await SendAsync(admin, HttpMethod.Get, $"{configMaps}?limit=2&continue=not-a-token");
        Assert.True(bad.Code == 400, bad.ToString());
    }

    [Fact]
    public async Task A_list_checks_resource_version_match_and_serves_the_version_it_names()
    {
        var (admin, ns) = await UseServerAsync("rvmatch");
        var configMaps = $"/api/v1/namespaces/{ns}/configmaps";
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, configMaps, ConfigMap("listed"))).Code);
        var current = (await SendAsync(admin, HttpMethod.Get, configMaps)).Body?["metadata"]?["resourceVersion"]?.GetValue<string>();

        var withoutVersion = await SendAsync(admin, HttpMethod.Get, $"{configMaps}?resourceVersionMatch=NotOlderThan");
        Assert.True(withoutVersion.Code == 422, withoutVersion.ToString());
        Assert.Equal("resourceVersionMatch", withoutVersion.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());
        var exactZero = await SendAsync(admin, HttpMethod.Get, $"{configMaps}?resourceVersionMatch=Exact&resourceVersion=0");
        Assert.True(exactZero.Code == 422, exactZero.ToString());

        foreach (var match in new[] { "NotOlderThan", "Exact" })
        {
            var served = await SendAsync(admin, HttpMethod.Get, $"{configMaps}?resourceVersionMatch={match}&resourceVersion={current}&fieldSelector=metadata.name%3Dlisted");
            Assert.True(served.Code == 200, served.ToString());
            Assert.Equal("listed", Assert.Single(served.Body?["items"] as JsonArray ?? [])?["metadata"]?["name"]?.GetValue<string>());
        }
    }
}
