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
        Assert.Superset(new HashSet<string?> { "apps", "batch", "events.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io" }, names);
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
}
