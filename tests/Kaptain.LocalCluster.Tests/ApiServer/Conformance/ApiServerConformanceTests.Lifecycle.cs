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

        // From the list's resourceVersion nothing is pending, yet the response (200, its headers) comes at once: a
        // client that waits for the headers before it reads is not stuck until the first change.
        var listed = await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        var now = listed.Body!["metadata"]!["resourceVersion"]!.GetValue<string>();
        using (var quiet = await admin.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={now}", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead, waitForHeaders.Token))
        {
            Assert.Equal(200, (int)quiet.StatusCode);
            Assert.Equal("application/json", quiet.Content.Headers.ContentType?.MediaType);
        }

        using var response = await admin.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead, waitForHeaders.Token);
        Assert.Equal(200, (int)response.StatusCode);

        // The stream is open: the first change arrives on it.
        // Without a resourceVersion the watch starts with the current objects as ADDED: every namespace has the
        // kube-root-ca.crt ConfigMap (root-ca-cert-publisher).
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        var initial = JsonNode.Parse((await reader.ReadLineAsync(waitForHeaders.Token))!)!;
        Assert.Equal("ADDED", initial["type"]!.GetValue<string>());
        Assert.Equal("kube-root-ca.crt", initial["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", initial["object"]!["data"]!["ca.crt"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("first"))).Code);
        var added = JsonNode.Parse((await reader.ReadLineAsync(waitForHeaders.Token))!)!;
        Assert.Equal("ADDED", added["type"]!.GetValue<string>());
        Assert.Equal("first", added["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_replays_every_later_change_in_order()
    {
        // A watch from an old resourceVersion still in the server's window replays what happened since. (A 410 needs a
        // version outside the window: upstream's watch cache keeps at least 75 s of events, so this suite cannot make
        // one there in bounded time; WatchTests covers the stand-in's 410 with a small window.)
        var (admin, ns) = await UseServerAsync();
        var first = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("a"));
        var from = first.Body!["metadata"]!["resourceVersion"]!.GetValue<string>();
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("b"))).Code);
        Assert.Equal(200, (await SendAsync(admin, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/a",
            JsonNode.Parse("""{"data":{"key":"v2"}}"""), "application/merge-patch+json")).Code);
        Assert.Equal(200, (await SendAsync(admin, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/b")).Code);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await admin.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={from}", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        var events = new List<string>();
        while (events.Count < 3 && await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            var e = JsonNode.Parse(line)!;
            events.Add($"{e["type"]} {e["object"]!["metadata"]!["name"]} {e["object"]!["kind"]}");
        }
        Assert.Equal(["ADDED b ConfigMap", "MODIFIED a ConfigMap", "DELETED b ConfigMap"], events);
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
        Assert.True(log.Code == 204, log.ToString());
        Assert.Equal("", log.Text);

        var wrongContainer = await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/waiting/log?container=other");
        Assert.True(wrongContainer.Code == 400, wrongContainer.ToString());
        Assert.Equal("container other is not valid for pod waiting", wrongContainer.Message);
    }
}
