using System.Net;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Faults;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Injected faults are what a client observes, the server counts them, and in-process access is unaffected.</summary>
public sealed class FaultInjectionTests
{
    [Fact]
    public async Task Injected_500s_and_429s_are_observed_by_a_client_at_the_counted_rate()
    {
        await using var cluster = await TestCluster.StartAsync(o =>
        {
            o.Faults = new FaultOptions { InternalErrorRate = 0.3, TooManyRequestsRate = 0.3, RetryAfterSeconds = 7 };
            o.FaultSeed = 42;
        });
        var observed = new Dictionary<int, int>();
        string? retryAfter = null;
        for (var i = 0; i < 200; i++)
        {
            using var response = await cluster.Http.GetAsync("/api/v1/namespaces/default/configmaps", TestContext.Current.CancellationToken);
            observed[(int)response.StatusCode] = observed.GetValueOrDefault((int)response.StatusCode) + 1;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                retryAfter = response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var status = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
                Assert.Equal("TooManyRequests", status["reason"]!.GetValue<string>());
            }
        }
        var counters = cluster.Server.Faults.ToJson()["counters"]!;
        Assert.Equal(counters["internalErrors"]!.GetValue<long>(), observed.GetValueOrDefault(500));
        Assert.Equal(counters["tooManyRequests"]!.GetValue<long>(), observed.GetValueOrDefault(429));
        Assert.Equal(200, observed.Values.Sum());
        Assert.InRange(observed.GetValueOrDefault(500), 20, 100); // 0.3 of 200, with a seeded source
        Assert.InRange(observed.GetValueOrDefault(429), 10, 100);
        Assert.True(observed.GetValueOrDefault(200) > 0);
        Assert.Equal("7", retryAfter);

        // The store (what controllers use) never sees faults.
        for (var i = 0; i < 50; i++) cluster.Server.Store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap($"c{i}"));
        Assert.Equal(50, cluster.Server.Store.List(BuiltInResources.ConfigMap, "default").Items.Count(i => i["metadata"]!["name"]!.GetValue<string>() != "kube-root-ca.crt"));
    }

    [Fact]
    public async Task Faults_can_be_changed_at_runtime_and_dropped_connections_fail_the_request()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (putCode, _, _) = await cluster.SendAsync(HttpMethod.Put, "/localcluster/faults", new JsonObject { ["dropConnectionRate"] = 1.0 });
        Assert.Equal(200, putCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => cluster.Http.GetAsync("/api/v1/namespaces", TestContext.Current.CancellationToken));
        var (deleteCode, faults, _) = await cluster.SendAsync(HttpMethod.Delete, "/localcluster/faults");
        Assert.Equal(200, deleteCode);
        Assert.Equal(1, faults!["counters"]!["droppedConnections"]!.GetValue<long>());
        var (okCode, _, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(200, okCode);
    }

    [Fact]
    public async Task A_dropped_watch_ends_its_stream_without_a_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(o => o.Faults = new FaultOptions { WatchDropRate = 1.0, WatchDropAfter = TimeSpan.FromMilliseconds(300) });
        using var response = await cluster.Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken); // returns because the server cut the watch
        // Only the initial state (the namespace's kube-root-ca.crt ConfigMap, as ADDED), then the cut: no ERROR event.
        var line = Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("{\"type\":\"ADDED\"", line, StringComparison.Ordinal);
        Assert.Contains("kube-root-ca.crt", line, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Server.Faults.ToJson()["counters"]!["droppedWatches"]!.GetValue<long>());
    }
}
