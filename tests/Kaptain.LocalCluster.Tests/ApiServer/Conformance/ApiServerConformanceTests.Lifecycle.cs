using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>Watches, deletion answers and pod logs as a client reads them.</summary>
public abstract partial class ApiServerConformanceTests
{
    [Fact]
    public async Task A_watch_answers_with_headers_before_any_event()
    {
        var (admin, ns) = await UseServerAsync();
        using var waitForHeaders = CancellationTokenSource.CreateLinkedTokenSource(Token);
        waitForHeaders.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await admin.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead, waitForHeaders.Token);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        // The stream is open: the first change arrives on it.
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("first"))).Code);
        var line = await reader.ReadLineAsync(waitForHeaders.Token);
        var added = JsonNode.Parse(line!)!;
        Assert.Equal("ADDED", added["type"]!.GetValue<string>());
        Assert.Equal("first", added["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_older_than_the_server_keeps_gets_a_410_error_event()
    {
        var (admin, ns) = await UseServerAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await admin.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion=1", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        var error = JsonNode.Parse((await reader.ReadLineAsync(deadline.Token))!)!;
        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal("Status", error["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.StartsWith("too old resource version: 1 (", error["object"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(await reader.ReadLineAsync(deadline.Token));
    }

    [Fact]
    public async Task Deleting_answers_200_with_a_status_or_with_the_object_still_pending()
    {
        var (admin, ns) = await UseServerAsync();
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("plain"))).Code);
        var plain = await SendAsync(admin, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/plain");
        Assert.True(plain.Code == 200, plain.ToString());
        Assert.Equal("Status", plain.Body!["kind"]!.GetValue<string>());
        Assert.Equal("Success", plain.Body["status"]!.GetValue<string>());
        Assert.Equal("plain", plain.Body["details"]!["name"]!.GetValue<string>());
        Assert.Equal("configmaps", plain.Body["details"]!["kind"]!.GetValue<string>());

        var finalized = ConfigMap("finalized");
        finalized["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", finalized)).Code);
        var pending = await SendAsync(admin, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/finalized");
        Assert.True(pending.Code == 200, pending.ToString());
        Assert.Equal("ConfigMap", pending.Body!["kind"]!.GetValue<string>());
        Assert.NotNull(pending.Body["metadata"]!["deletionTimestamp"]);

        var released = await SendAsync(admin, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/finalized",
            JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");
        Assert.True(released.Code == 200, released.ToString());
        Assert.Equal(404, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/finalized")).Code);

        var missing = await SendAsync(admin, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/finalized");
        Assert.True(missing.Code == 404, missing.ToString());
        Assert.Equal("configmaps \"finalized\" not found", missing.Message);
    }

    [Fact]
    public async Task The_log_of_a_pod_that_has_not_started_is_empty()
    {
        var (admin, ns) = await UseServerAsync();
        var pod = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"waiting"},
             "spec":{"containers":[{"name":"main","image":"busybox"}]}}
            """);
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", pod)).Code);
        var log = await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/waiting/log");
        Assert.True(log.Code is 200 or 204, log.ToString());
        Assert.Equal("", log.Text);

        var wrongContainer = await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/waiting/log?container=other");
        Assert.True(wrongContainer.Code == 400, wrongContainer.ToString());
        Assert.Equal("container other is not valid for pod waiting", wrongContainer.Message);
    }
}
