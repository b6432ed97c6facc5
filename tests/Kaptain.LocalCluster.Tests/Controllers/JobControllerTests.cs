using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

public sealed class JobControllerTests(SimulatedCluster cluster) : IClassFixture<SimulatedCluster>
{
    internal static string Job(string name, string scenario, string restartPolicy = "Never", int backoffLimit = 6, int? ttlSecondsAfterFinished = null)
    {
        var spec = new JsonObject
        {
            ["backoffLimit"] = backoffLimit,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["sidecar.istio.io/inject"] = "false" } },
                ["spec"] = new JsonObject
                {
                    ["restartPolicy"] = restartPolicy,
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "main",
                        ["image"] = "python:3.11",
                        ["env"] = new JsonArray(new JsonObject { ["name"] = "LOCAL_CLUSTER_SCENARIO", ["value"] = scenario }),
                    }),
                },
            },
        };
        if (ttlSecondsAfterFinished is { } ttl)
        {
            spec["ttlSecondsAfterFinished"] = ttl;
        }

        return new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec }.ToJsonString();
    }

    [Fact]
    public async Task Runs_its_pod_to_completion_and_the_pod_prints_its_lines()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-ok", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("train", "succeed after=300ms; log=\"epoch 1 loss=0.4\"; log=\"epoch 2 loss=0.2\""), token);

        var job = await cluster.WaitForAsync("batch/v1", "jobs", ns, "train", j => SimulatedCluster.HasCondition(j, "Complete"), token);

        Assert.Equal(1, job["status"]!["succeeded"]!.GetValue<int>());
        Assert.True(SimulatedCluster.HasCondition(job, "SuccessCriteriaMet"));
        Assert.NotNull(job["status"]!["completionTime"]);
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "batch.kubernetes.io/job-name=train"));
        Assert.Equal("Succeeded", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(job["metadata"]!["uid"]!.GetValue<string>(), pod["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        Assert.Equal("Completed", pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["reason"]!.GetValue<string>());
        var log = await cluster.LogAsync(ns, pod["metadata"]!["name"]!.GetValue<string>(), token);
        Assert.Equal(["epoch 1 loss=0.4", "epoch 2 loss=0.2"], log.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Fails_when_pod_failures_exceed_the_backoff_limit_and_reports_events()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-fail", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("oom", "fail reason=OOMKilled after=100ms", backoffLimit: 1), token);

        var job = await cluster.WaitForAsync("batch/v1", "jobs", ns, "oom", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        Assert.Equal("BackoffLimitExceeded", SimulatedCluster.ConditionReason(job, "Failed"));
        Assert.Equal(2, job["status"]!["failed"]!.GetValue<int>());
        var pods = await cluster.ListAsync("v1", "pods", ns, token, "job-name=oom");
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.Equal("Failed", p["status"]!["phase"]!.GetValue<string>());
            var terminated = p["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!;
            Assert.Equal("OOMKilled", terminated["reason"]!.GetValue<string>());
            Assert.Equal(137, terminated["exitCode"]!.GetValue<int>());
        });
        Assert.Contains(await cluster.EventsAsync(ns, "oom", token), e => e.Reason == "BackoffLimitExceeded" && e.Type == "Warning");
        Assert.Contains(await cluster.EventsAsync(ns, pods[0]["metadata"]!["name"]!.GetValue<string>(), token), e => e.Reason == "Failed" && e.Type == "Warning");
    }

    [Fact]
    public async Task Restarts_a_crash_looping_container_under_OnFailure_and_keeps_the_previous_log()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-crash", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("flaky", "crashloop restarts=2 after=100ms; log=\"starting\"", restartPolicy: "OnFailure"), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "flaky", j => SimulatedCluster.HasCondition(j, "Complete"), token);

        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=flaky"));
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        Assert.Equal(2, pod["status"]!["containerStatuses"]![0]!["restartCount"]!.GetValue<int>());
        Assert.Equal("Error", pod["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!["reason"]!.GetValue<string>());
        Assert.Contains("starting", await cluster.LogAsync(ns, name, token, previous: true), StringComparison.Ordinal);
        Assert.Contains(await cluster.EventsAsync(ns, name, token), e => e.Reason == "BackOff");
    }

    [Fact]
    public async Task A_job_whose_crash_loop_outlasts_the_backoff_limit_fails()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-loop", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("loop", "crashloop after=50ms", restartPolicy: "OnFailure", backoffLimit: 1), token);

        var job = await cluster.WaitForAsync("batch/v1", "jobs", ns, "loop", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        Assert.Equal("BackoffLimitExceeded", SimulatedCluster.ConditionReason(job, "Failed"));
    }

    [Fact]
    public async Task A_finished_job_with_ttlSecondsAfterFinished_is_deleted()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-ttl", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("short", "succeed after=100ms", ttlSecondsAfterFinished: 0), token);

        await cluster.WaitForDeletionAsync("batch/v1", "jobs", ns, "short", token);

        Assert.Empty(await cluster.ListAsync("batch/v1", "jobs", ns, token));
    }

    [Fact]
    public async Task A_pending_scenario_keeps_the_pod_unscheduled()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-pending", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("stuck", "pending reason=Unschedulable"), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "stuck", j => j["status"]?["active"]?.GetValue<int>() == 1, token);
        var podName = (await cluster.ListAsync("v1", "pods", ns, token, "job-name=stuck")).Single()["metadata"]!["name"]!.GetValue<string>();
        var pod = await cluster.WaitForAsync("v1", "pods", ns, podName, p => SimulatedCluster.HasCondition(p, "PodScheduled", "False"), token);

        Assert.Equal("Pending", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("Unschedulable", SimulatedCluster.ConditionReason(pod, "PodScheduled"));
        Assert.Contains(await cluster.EventsAsync(ns, podName, token), e => e.Reason == "FailedScheduling");
    }

    [Fact]
    public async Task A_malformed_scenario_fails_the_pod_with_an_event_saying_why()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("job-bad", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("bad", "succeed after=soon", backoffLimit: 0), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "bad", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=bad"));
        Assert.Contains(await cluster.EventsAsync(ns, pod["metadata"]!["name"]!.GetValue<string>(), token), e => e.Reason == "InvalidScenario" && e.Type == "Warning");
    }

    [Fact]
    public async Task Rules_of_a_scenario_file_script_jobs_by_name()
    {
        var token = TestContext.Current.CancellationToken;
        var file = Path.Combine(Directory.CreateTempSubdirectory("kaptain-scenario-").FullName, "scenarios.txt");
        await File.WriteAllTextAsync(file, "# jobs named doomed-* fail\nJob doomed-* fail reason=Evicted exit=2 after=100ms\n", token);
        await using var own = await SimulatedCluster.StartAsync(file, token);
        var ns = await own.NamespaceAsync("job-file", token);
        var plain = JsonNode.Parse(Job("doomed-1", "ignored", backoffLimit: 0))!;
        plain["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject().Remove("env");
        await own.CreateAsync("batch/v1", "jobs", ns, plain.ToJsonString(), token);

        await own.WaitForAsync("batch/v1", "jobs", ns, "doomed-1", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        var pod = Assert.Single(await own.ListAsync("v1", "pods", ns, token, "job-name=doomed-1"));
        Assert.Equal(2, pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }
}
