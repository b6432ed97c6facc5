using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

public sealed class TrainingJobControllerTests(SimulatedCluster cluster) : IClassFixture<SimulatedCluster>
{
    private static JsonObject Replica(int replicas, string restartPolicy, string container, string scenario) => new()
    {
        ["replicas"] = replicas,
        ["restartPolicy"] = restartPolicy,
        ["template"] = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = container,
                    ["image"] = "kaptain/train:1",
                    ["env"] = new JsonArray(new JsonObject { ["name"] = "LOCAL_CLUSTER_SCENARIO", ["value"] = scenario }),
                }),
            },
        },
    };

    [Fact]
    public async Task A_TFJob_runs_a_pod_per_replica_and_succeeds()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("tfjob-ok", token);
        var tfjob = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1",
            ["kind"] = "TFJob",
            ["metadata"] = new JsonObject { ["name"] = "mnist" },
            ["spec"] = new JsonObject
            {
                ["successPolicy"] = "AllWorkers",
                ["tfReplicaSpecs"] = new JsonObject { ["Worker"] = Replica(2, "Never", "tensorflow", "succeed after=300ms; log=\"step 1\"") },
            },
        };
        await cluster.CreateAsync("kubeflow.org/v1", "tfjobs", ns, tfjob.ToJsonString(), token);

        var done = await cluster.WaitForAsync("kubeflow.org/v1", "tfjobs", ns, "mnist", j => SimulatedCluster.HasCondition(j, "Succeeded"), token);

        Assert.True(SimulatedCluster.HasCondition(done, "Created"));
        Assert.Equal("TFJobSucceeded", SimulatedCluster.ConditionReason(done, "Succeeded"));
        Assert.Equal(2, done["status"]!["replicaStatuses"]!["Worker"]!["succeeded"]!.GetValue<int>());
        var pods = await cluster.ListAsync("v1", "pods", ns, token, "training.kubeflow.org/job-name=mnist,training.kubeflow.org/replica-type=worker");
        Assert.Equal(["mnist-worker-0", "mnist-worker-1"], pods.Select(p => p["metadata"]!["name"]!.GetValue<string>()).Order());
        Assert.Equal(["0", "1"], pods.Select(p => p["metadata"]!["labels"]!["training.kubeflow.org/replica-index"]!.GetValue<string>()).Order());
        var env = pods[0]["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "TF_CONFIG");
        Assert.Contains("step 1", await cluster.LogAsync(ns, "mnist-worker-1", token), StringComparison.Ordinal);

        // A headless Service per replica, named like its pod and owned by the job, as the training operator makes them.
        var services = await cluster.ListAsync("v1", "services", ns, token, "training.kubeflow.org/job-name=mnist");
        Assert.Equal(["mnist-worker-0", "mnist-worker-1"], services.Select(s => s["metadata"]!["name"]!.GetValue<string>()).Order());
        Assert.All(services, s =>
        {
            Assert.Equal("None", s["spec"]!["clusterIP"]!.GetValue<string>());
            Assert.Equal(done["metadata"]!["uid"]!.GetValue<string>(), s["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
            Assert.Equal(2222, s["spec"]!["ports"]![0]!["port"]!.GetValue<int>());
        });
    }

    [Fact]
    public async Task A_PyTorchJob_whose_master_fails_fails_with_the_operators_reason()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("pytorch-fail", token);
        var job = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1",
            ["kind"] = "PyTorchJob",
            ["metadata"] = new JsonObject { ["name"] = "bert" },
            ["spec"] = new JsonObject
            {
                ["pytorchReplicaSpecs"] = new JsonObject
                {
                    ["Master"] = Replica(1, "Never", "pytorch", "fail reason=Error exit=1 after=200ms message=\"CUDA out of memory\""),
                    ["Worker"] = Replica(1, "Never", "pytorch", "hang"),
                },
            },
        };
        await cluster.CreateAsync("kubeflow.org/v1", "pytorchjobs", ns, job.ToJsonString(), token);

        var failed = await cluster.WaitForAsync("kubeflow.org/v1", "pytorchjobs", ns, "bert", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        Assert.Equal("PyTorchJobFailed", SimulatedCluster.ConditionReason(failed, "Failed"));
        Assert.Equal(1, failed["status"]!["replicaStatuses"]!["Master"]!["failed"]!.GetValue<int>());
        Assert.Contains("CUDA out of memory", await cluster.LogAsync(ns, "bert-master-0", token), StringComparison.Ordinal);
        var worker = await cluster.GetAsync("v1", "pods", ns, "bert-worker-0", token);
        Assert.Contains(worker["spec"]!["containers"]![0]!["env"]!.AsArray(), e => e!["name"]!.GetValue<string>() == "MASTER_ADDR" && e["value"]!.GetValue<string>() == "bert-master-0");
    }

    [Fact]
    public async Task ExitCode_policy_recreates_a_pod_killed_by_a_signal()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("tfjob-exitcode", token);
        var tfjob = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1",
            ["kind"] = "TFJob",
            ["metadata"] = new JsonObject { ["name"] = "retry" },
            ["spec"] = new JsonObject
            {
                ["tfReplicaSpecs"] = new JsonObject { ["Worker"] = Replica(1, "ExitCode", "tensorflow", "crashloop restarts=1 exit=137 after=100ms") },
            },
        };
        await cluster.CreateAsync("kubeflow.org/v1", "tfjobs", ns, tfjob.ToJsonString(), token);

        var done = await cluster.WaitForAsync("kubeflow.org/v1", "tfjobs", ns, "retry", j => SimulatedCluster.HasCondition(j, "Succeeded") || SimulatedCluster.HasCondition(j, "Failed"), token);

        Assert.True(SimulatedCluster.HasCondition(done, "Succeeded"));
        Assert.NotNull(SimulatedCluster.ConditionReason(done, "Restarting"));
    }
}
