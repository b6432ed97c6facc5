using System.Text.Json.Nodes;

using k8s;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>With a status subresource, writes to the object keep status and writes to /status change only status.</summary>
public sealed class StatusSubresourceTests
{
    private const string TfJobs = "/apis/kubeflow.org/v1/namespaces/default/tfjobs";

    [Fact]
    public async Task Status_is_ignored_on_create_and_main_writes_and_only_status_changes_through_status()
    {
        await using var cluster = await TestCluster.StartAsync();
        var job = Manifests.TfJob("s");
        job["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Succeeded", ["status"] = "True" }) };
        var (_, created, _) = await cluster.SendAsync(HttpMethod.Post, TfJobs, job);
        Assert.Null(created!["status"]);

        var statusWrite = created.DeepClone();
        statusWrite["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Running", ["status"] = "True" }) };
        statusWrite["spec"]!["tfReplicaSpecs"]!["Worker"]!["replicas"] = 7;
        statusWrite["metadata"]!["labels"] = new JsonObject { ["sneaky"] = "yes" };
        var (statusCode, afterStatus, _) = await cluster.SendAsync(HttpMethod.Put, $"{TfJobs}/s/status", statusWrite);
        Assert.Equal(200, statusCode);
        Assert.Equal("Running", afterStatus!["status"]!["conditions"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(1, afterStatus["spec"]!["tfReplicaSpecs"]!["Worker"]!["replicas"]!.GetValue<int>());
        Assert.Null(afterStatus["metadata"]!["labels"]);
        Assert.Equal(1, afterStatus["metadata"]!["generation"]!.GetValue<long>());

        var mainWrite = afterStatus.DeepClone();
        mainWrite["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Failed", ["status"] = "True" }) };
        mainWrite["spec"]!["tfReplicaSpecs"]!["Worker"]!["replicas"] = 2;
        var (mainCode, afterMain, _) = await cluster.SendAsync(HttpMethod.Put, $"{TfJobs}/s", mainWrite);
        Assert.Equal(200, mainCode);
        Assert.Equal("Running", afterMain!["status"]!["conditions"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(2, afterMain["spec"]!["tfReplicaSpecs"]!["Worker"]!["replicas"]!.GetValue<int>());

        var (patchCode, afterPatch, _) = await cluster.SendAsync(HttpMethod.Patch, $"{TfJobs}/s/status",
            JsonNode.Parse("""{"status":{"replicaStatuses":{"Worker":{"active":2}}},"spec":{"runPolicy":{"backoffLimit":9}}}"""), "application/merge-patch+json");
        Assert.Equal(200, patchCode);
        Assert.Equal(2, afterPatch!["status"]!["replicaStatuses"]!["Worker"]!["active"]!.GetValue<int>());
        Assert.Null(afterPatch["spec"]!["runPolicy"]?["backoffLimit"]);
    }

    [Fact]
    public async Task A_status_write_through_the_client_is_visible_to_a_plain_get()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Manifests.Pod("p"));
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("p", "default", cancellationToken: ct);
        Assert.Equal("Pending", pod.Status.Phase);
        pod.Status.Phase = "Running";
        await cluster.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default", cancellationToken: ct);
        var running = await cluster.Client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: "status.phase=Running", cancellationToken: ct);
        Assert.Equal("p", Assert.Single(running.Items).Metadata.Name);
    }
}
