using Kaptain.LocalCluster.Api;

using k8s;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>pods/log: follow streams lines as they are produced; container, previous, tailLines, timestamps.</summary>
public sealed class PodLogTests
{
    [Fact]
    public async Task Follow_streams_lines_as_they_are_appended_and_ends_when_the_container_terminates()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        cluster.Server.Store.Create(BuiltInResources.Pod, Manifests.Pod("trainer"));
        var logs = cluster.Server.Logs;
        logs.Append("default", "trainer", "main", "line 1");

        using var stream = await cluster.Client.CoreV1.ReadNamespacedPodLogAsync("trainer", "default", follow: true, cancellationToken: ct);
        using var reader = new StreamReader(stream);
        Assert.Equal("line 1", await reader.ReadLineAsync(ct));

        // Each line is appended only after the previous one was read from the open stream: it must arrive while following.
        for (var i = 2; i <= 5; i++)
        {
            logs.Append("default", "trainer", "main", $"line {i}");
            Assert.Equal($"line {i}", await reader.ReadLineAsync(ct));
        }
        logs.Terminate("default", "trainer", "main");
        Assert.Null(await reader.ReadLineAsync(ct));
    }

    [Fact]
    public async Task Logs_honour_container_previous_tail_lines_and_timestamps()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        cluster.Server.Store.Create(BuiltInResources.Pod, Manifests.Pod("multi", "default", "a", "b"));
        var logs = cluster.Server.Logs;
        logs.Append("default", "multi", "a", "from a");
        foreach (var n in new[] { "1", "2", "3" }) logs.Append("default", "multi", "b", $"b{n}");
        logs.Restart("default", "multi", "b");
        logs.Append("default", "multi", "b", "b after restart");

        var (noContainer, status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/multi/log");
        Assert.Equal(400, noContainer);
        Assert.Equal("BadRequest", status!["reason"]!.GetValue<string>());

        Assert.Equal("from a\n", await cluster.Http.GetStringAsync("/api/v1/namespaces/default/pods/multi/log?container=a", ct));
        Assert.Equal("b after restart\n", await cluster.Http.GetStringAsync("/api/v1/namespaces/default/pods/multi/log?container=b", ct));
        Assert.Equal("b2\nb3\n", await cluster.Http.GetStringAsync("/api/v1/namespaces/default/pods/multi/log?container=b&previous=true&tailLines=2", ct));
        var stamped = await cluster.Http.GetStringAsync("/api/v1/namespaces/default/pods/multi/log?container=a&timestamps=true", ct);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z from a\n$", stamped);

        var kubectl = await cluster.KubectlAsync("logs", "multi", "-c", "b", "--previous", "--tail=1");
        Assert.Equal("b3", kubectl.StandardOutput.Trim());
    }

    [Fact]
    public async Task A_container_that_has_not_started_is_waiting_to_start()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.Create(BuiltInResources.Pod, Manifests.Pod("pending"));
        var (code, status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/pending/log");
        Assert.Equal(400, code);
        Assert.Contains("waiting to start", status!["message"]!.GetValue<string>());
    }
}
