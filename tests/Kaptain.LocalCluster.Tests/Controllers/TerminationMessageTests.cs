using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Controllers;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

/// <summary>
/// The termination message the simulated kubelet reports, as the real kubelet computes it
/// (kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go; the limits of pkg/kubelet/container/runtime.go):
/// the message file's content, or with <c>FallbackToLogsOnError</c> after a non-zero exit with an empty file, the last
/// 80 lines of that container instance's log, of which the last 2048 bytes.
/// </summary>
public sealed class TerminationMessageTests(SimulatedCluster cluster) : IClassFixture<SimulatedCluster>
{
    private static readonly string[] Hundred = [.. Enumerable.Range(1, 100).Select(i => $"line {i:000}")];

    [Fact]
    public void The_file_policy_reports_only_what_the_container_wrote()
    {
        Assert.Equal("sha256:abc", TerminationMessage.For("File", 0, "sha256:abc", Hundred));
        Assert.Equal("out of memory", TerminationMessage.For(null, 1, "out of memory", Hundred));
        Assert.Null(TerminationMessage.For("File", 1, null, Hundred));
        Assert.Null(TerminationMessage.For(null, 1, string.Empty, Hundred));
    }

    [Fact]
    public void The_fallback_reads_the_log_only_after_a_non_zero_exit_with_an_empty_message()
    {
        const string Policy = TerminationMessage.FallbackToLogsOnError;

        Assert.Null(TerminationMessage.For(Policy, 0, null, Hundred));
        Assert.Equal("written", TerminationMessage.For(Policy, 1, "written", Hundred));
        Assert.Null(TerminationMessage.For(Policy, 1, null, []));
        Assert.Equal("Error: boom\n", TerminationMessage.For(Policy, 1, null, ["Error: boom"]));
        Assert.Equal("Error: boom\n", TerminationMessage.For(Policy, 137, string.Empty, ["Error: boom"]));
    }

    [Fact]
    public void The_fallback_keeps_the_last_80_lines()
    {
        var message = TerminationMessage.For(TerminationMessage.FallbackToLogsOnError, 1, null, Hundred);

        Assert.Equal(string.Concat(Hundred.Skip(20).Select(line => line + "\n")), message);
        Assert.StartsWith("line 021\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fallback_keeps_the_last_2048_bytes_of_those_lines()
    {
        // 80 lines of 40 bytes and a newline: 3280 bytes, of which the last 2048 stay (the tail, cut mid-line).
        string[] wide = [.. Enumerable.Range(1, 90).Select(i => $"{i:000} " + new string('x', 36))];
        var message = TerminationMessage.For(TerminationMessage.FallbackToLogsOnError, 1, null, wide)!;

        var lines = string.Concat(wide.Skip(10).Select(line => line + "\n"));
        Assert.Equal(TerminationMessage.MaxLogLength, Encoding.UTF8.GetByteCount(message));
        Assert.Equal(lines[^TerminationMessage.MaxLogLength..], message);
        Assert.EndsWith($"090 {new string('x', 36)}\n", message, StringComparison.Ordinal);
        Assert.DoesNotContain("010 ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_written_message_keeps_its_last_4096_bytes()
    {
        var written = new string('a', 100) + new string('b', TerminationMessage.MaxLength);

        Assert.Equal(new string('b', TerminationMessage.MaxLength), TerminationMessage.For("File", 1, written, []));
    }

    [Fact]
    public async Task A_failed_container_with_the_fallback_reports_its_log_tail_in_its_status()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("termmsg-fallback", token);
        var scenario = "fail after=300ms; " + string.Join("; ", Hundred.Select(line => $"log=\"{line}\""));
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("fallback", scenario, TerminationMessage.FallbackToLogsOnError), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "fallback", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        var terminated = Terminated(Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=fallback")));
        Assert.Equal(1, terminated["exitCode"]!.GetValue<int>());
        Assert.Equal("Error", terminated["reason"]!.GetValue<string>());
        Assert.Equal(string.Concat(Hundred.Skip(20).Select(line => line + "\n")), terminated["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_the_fallback_or_after_a_success_the_status_has_no_message()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("termmsg-none", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("file", "fail after=200ms; log=\"Error: boom\"", policy: null), token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, Job("ok", "succeed after=200ms; log=\"done\"", TerminationMessage.FallbackToLogsOnError), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "file", j => SimulatedCluster.HasCondition(j, "Failed"), token);
        await cluster.WaitForAsync("batch/v1", "jobs", ns, "ok", j => SimulatedCluster.HasCondition(j, "Complete"), token);

        var failed = Terminated(Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=file")));
        var succeeded = Terminated(Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=ok")));
        Assert.Equal(1, failed["exitCode"]!.GetValue<int>());
        Assert.Null(failed["message"]);
        Assert.Equal(0, succeeded["exitCode"]!.GetValue<int>());
        Assert.Null(succeeded["message"]);
    }

    [Fact]
    public async Task A_restarted_container_reports_the_log_tail_of_the_run_that_ended()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("termmsg-restart", token);
        var job = JsonNode.Parse(Job("flaky", "crashloop restarts=2 after=100ms; log=\"starting\"; log=\"Error: boom\"", TerminationMessage.FallbackToLogsOnError))!;
        job["spec"]!["template"]!["spec"]!["restartPolicy"] = "OnFailure";
        job["spec"]!["backoffLimit"] = 6;
        await cluster.CreateAsync("batch/v1", "jobs", ns, job.ToJsonString(), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "flaky", j => SimulatedCluster.HasCondition(j, "Complete"), token);

        // Three runs printed the same two lines: the last failed run's message has them once, not the pod's whole log.
        var status = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=flaky"))["status"]!["containerStatuses"]![0]!;
        Assert.Equal(2, status["restartCount"]!.GetValue<int>());
        Assert.Equal("starting\nError: boom\n", status["lastState"]!["terminated"]!["message"]!.GetValue<string>());
        Assert.Equal(0, status["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
        Assert.Null(status["state"]!["terminated"]!["message"]);
    }

    private static JsonNode Terminated(JsonNode pod) => pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!;

    private static string Job(string name, string scenario, string? policy)
    {
        var job = JsonNode.Parse(JobControllerTests.Job(name, scenario, backoffLimit: 0))!;
        if (policy is not null)
        {
            job["spec"]!["template"]!["spec"]!["containers"]![0]!["terminationMessagePolicy"] = policy;
        }

        return job.ToJsonString();
    }
}
