using System.Text.Json.Nodes;
using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>What the post-Ready check of publish counts as a crash in a predictor pod's status.</summary>
public sealed class PublishStabilityDecisionTests
{
    [Fact]
    public void A_restart_after_the_pod_was_first_seen_is_a_crash_with_its_last_termination()
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        Assert.Null(PredictorStability.Inspect(Pod(Running("kserve-container", 0), Running("queue-proxy", 0)), seen));

        var crash = PredictorStability.Inspect(Pod(Restarted("kserve-container", 1, 137, "OOMKilled", "CUDA out of memory"), Running("queue-proxy", 0)), seen);

        Assert.NotNull(crash);
        Assert.Equal("p-1", crash.Pod);
        Assert.Equal("kserve-container", crash.Container);
        Assert.Equal(1, crash.Restarts);
        Assert.Equal("restarted; last exit: OOMKilled, exit code 137: CUDA out of memory", crash.What);
    }

    [Fact]
    public void Restarts_from_before_the_window_are_not_a_crash_but_CrashLoopBackOff_is()
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        // Restarted twice before Ready, running now: the window starts from there.
        Assert.Null(PredictorStability.Inspect(Pod(Restarted("kserve-container", 2, 1, "Error", "early")), seen));

        var waiting = Pod(Restarted("kserve-container", 2, 1, "Error", "boom"));
        waiting["status"]!["containerStatuses"]![0]!["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = "back-off 10s" } };
        var crash = PredictorStability.Inspect(waiting, seen);

        Assert.NotNull(crash);
        Assert.StartsWith("is in CrashLoopBackOff (back-off 10s); last exit: Error, exit code 1: boom", crash.What, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_server_is_named_before_the_queue_proxy_and_a_finished_init_container_is_no_crash()
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var pod = Pod(Restarted("queue-proxy", 0, 1, "Error", "sidecar"), Restarted("user-container", 0, 3, "Error", "server"));
        pod["status"]!["containerStatuses"]![0]!["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error" } };
        pod["status"]!["containerStatuses"]![1]!["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 3, ["reason"] = "Error", ["message"] = "server" } };
        pod["status"]!["initContainerStatuses"] = new JsonArray(new JsonObject
        {
            ["name"] = "storage-initializer",
            ["restartCount"] = 0,
            ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed" } },
        });

        var crash = PredictorStability.Inspect(pod, seen);

        Assert.NotNull(crash);
        Assert.Equal("user-container", crash.Container);
        Assert.Equal("exited: Error, exit code 3: server", crash.What);
    }

    private static JsonObject Pod(params JsonObject[] statuses) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "p-1", ["uid"] = "u-1" },
        ["status"] = new JsonObject { ["containerStatuses"] = new JsonArray(statuses) },
    };

    private static JsonObject Running(string name, int restarts) => new()
    {
        ["name"] = name,
        ["restartCount"] = restarts,
        ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-01-01T00:00:00Z" } },
        ["lastState"] = new JsonObject(),
    };

    private static JsonObject Restarted(string name, int restarts, int exitCode, string reason, string message)
    {
        var status = Running(name, restarts);
        status["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = reason, ["message"] = message } };
        return status;
    }
}
