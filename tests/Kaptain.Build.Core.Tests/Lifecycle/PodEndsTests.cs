using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Core.Tests.Cleanup;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>How a failure report describes the ends of a step's pods (<see cref="PodEnds"/>), from the pods' status.</summary>
public sealed class PodEndsTests
{
    private static readonly Dictionary<string, string> Run = new(StringComparer.Ordinal) { ["kaptain.dev/run-id"] = "r1" };

    [Fact]
    public async Task A_failed_container_shows_its_reason_exit_code_and_termination_message()
    {
        var client = new InMemoryClusterClient();
        Pod(client, "b-1", "Failed", Terminated(1, "Error", "INFO[0000] Retrieving build context from s3://b/k\nError: error resolving source context: NoSuchKey\n"));

        var text = await DescribeAsync(client);

        Assert.Equal(
            Lines(
                "  pod b-1: Failed",
                "    container kaniko terminated: Error, exit code 1",
                "    its termination message:",
                "      INFO[0000] Retrieving build context from s3://b/k",
                "      Error: error resolving source context: NoSuchKey"),
            text);
    }

    [Fact]
    public async Task A_pods_own_reason_and_message_show_beside_its_phase()
    {
        var client = new InMemoryClusterClient();
        var pod = Pod(client, "b-1", "Failed", Terminated(137, "ContainerStatusUnknown", null));
        pod["status"]!["reason"] = "Evicted";
        pod["status"]!["message"] = "The node was low on resource: ephemeral-storage. ";

        var text = await DescribeAsync(client);

        Assert.Equal(
            Lines(
                "  pod b-1: Failed (Evicted: The node was low on resource: ephemeral-storage.)",
                "    container kaniko terminated: ContainerStatusUnknown, exit code 137, no termination message"),
            text);
    }

    [Fact]
    public async Task A_waiting_container_shows_why_and_pods_of_other_runs_do_not_show()
    {
        var client = new InMemoryClusterClient();
        Pod(client, "b-1", "Pending", new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CreateContainerConfigError", ["message"] = "secret \"s3\" not found" } });
        client.Add(ResourceKinds.Pod, "other", new Dictionary<string, string> { ["kaptain.dev/run-id"] = "r2" })["status"] = new JsonObject { ["phase"] = "Failed" };

        var text = await DescribeAsync(client);

        Assert.Equal(Lines("  pod b-1: Pending", "    container kaniko waiting: CreateContainerConfigError: secret \"s3\" not found"), text);
    }

    [Fact]
    public async Task A_long_message_shows_its_last_20_lines_and_one_the_log_already_showed_is_not_repeated()
    {
        var client = new InMemoryClusterClient();
        var message = string.Concat(Enumerable.Range(1, 30).Select(i => $"line {i}\n"));
        Pod(client, "b-1", "Failed", Terminated(1, "Error", message));

        var text = await DescribeAsync(client);
        var repeated = await DescribeAsync(client, ["[b-1] line 29", "[b-1] line 30"]);

        Assert.Contains("    its termination message (its last 20 of 30 lines):", text, StringComparison.Ordinal);
        Assert.Contains($"      line 11{Environment.NewLine}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("line 10", text, StringComparison.Ordinal);
        Assert.EndsWith("      line 30", text, StringComparison.Ordinal);
        Assert.Equal(Lines("  pod b-1: Failed", "    container kaniko terminated: Error, exit code 1", "    its termination message ends as the log lines above"), repeated);
    }

    [Fact]
    public async Task The_runs_credentials_are_scrubbed_from_the_message()
    {
        var client = new InMemoryClusterClient();
        Pod(client, "b-1", "Failed", Terminated(1, "Error", "Error: key wJalrXUtnFEMI/K7MDENG and auth dXNlcjpwYXNzd29yZA== and token FwoGZXIvYXdzEJr\n"));

        // As the run holds them: the S3 secret key and session token, and a docker config whose auth is user:password.
        _ = new SecretValue("wJalrXUtnFEMI/K7MDENG");
        _ = new SecretValue("FwoGZXIvYXdzEJr");
        _ = new RegistryCredentials("user", new SecretValue("password"), "test").ToDockerConfigJson("r.example");

        var text = await DescribeAsync(client);

        Assert.Contains("      Error: key *** and auth *** and token ***", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_that_cannot_be_listed_leave_a_note_and_are_reported_as_refused()
    {
        var client = new InMemoryClusterClient();
        client.ForbiddenWatches.Add("Pod");
        var refused = new Refusals();

        var text = await PodEnds.DescribeAsync(client, client.DefaultNamespace, refused, "Job b", "kaptain.dev/run-id=r1", "kaniko", [], TestContext.Current.CancellationToken);

        Assert.Equal("  (the pods could not be read: KAPT1008)", text);
        Assert.Equal("the failure of Job b is reported without how its pods ended", Assert.Single(refused.Missed));
    }

    [Fact]
    public async Task Without_pods_the_report_says_none()
    {
        Assert.Equal("  (none)", await DescribeAsync(new InMemoryClusterClient()));
    }

    private static Task<string> DescribeAsync(InMemoryClusterClient client, IReadOnlyList<string>? logTail = null) =>
        PodEnds.DescribeAsync(client, client.DefaultNamespace, new Refusals(), "Job b", "kaptain.dev/run-id=r1", "kaniko", logTail ?? [], TestContext.Current.CancellationToken);

    private static JsonObject Pod(InMemoryClusterClient client, string name, string phase, JsonObject state)
    {
        var pod = client.Add(ResourceKinds.Pod, name, Run);
        pod["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "kaniko", ["restartCount"] = 0, ["state"] = state }),
        };
        return pod;
    }

    private static JsonObject Terminated(int exitCode, string reason, string? message) =>
        new() { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = reason, ["message"] = message } };

    private static string Lines(params string[] lines) => string.Join(Environment.NewLine, lines);

    private sealed class Refusals : IRefusedRequestReport
    {
        public List<string> Missed { get; } = [];

        public bool Refused(KaptainException exception, string missed, string? fallback = null)
        {
            Missed.Add(missed);
            return false;
        }
    }
}
