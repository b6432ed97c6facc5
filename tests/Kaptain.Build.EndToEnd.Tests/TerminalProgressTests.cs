using System.Text.Json.Nodes;
using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary>
/// What a user sees while a step runs (issue 9, item 2): a plain <c>dotnet build -t:KaptainTrain</c> of a sample, in a
/// pseudo-terminal as in a user's shell and with its output redirected as in CI, shows the resources created, each state
/// change and the replicas' log lines while the job is still running, then a summary of what is kept and how to remove
/// it. The samples' <c>Directory.Build.rsp</c> chooses the console logger (see the README, "Live progress").
/// </summary>
public sealed class TerminalProgressTests(LocalClusterServers fixture) : LifecycleTest(fixture)
{
    /// <summary>Long enough that the first epoch's line arrives well before the end, even on a busy machine.</summary>
    private const string LongTraining =
        "succeed after=30s; log=\"epoch 1 loss=0.31\"; log=\"epoch 2 loss=0.12\"; log=\"epoch 3 loss=0.05\"";

    [Fact]
    public async Task In_a_terminal_the_state_and_the_replicas_log_lines_appear_while_the_job_still_runs()
    {
        var project = Servers.NewProject("mnist-pytorch", "train-tty");
        var command = UserCommand(project, LongTraining).InTerminal(columns: 160, rows: 50);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        await using var running = command.Start();
        var created = await running.WaitForLineAsync("Created PyTorchJob", timeout.Token);
        await running.WaitForLineAsync(line => line.Contains("PyTorchJob", StringComparison.Ordinal) && line.Contains(": Running", StringComparison.Ordinal), timeout.Token);
        var logLine = await running.WaitForLineAsync("epoch 1 loss=0.31", timeout.Token);

        // The terminal has shown the state and a replica's line; the job on the cluster has not ended yet.
        var job = Servers.ResourcesIn(project.Namespace).OfKind("PyTorchJob").Single();
        Assert.False(HasEnded(job.Object), $"The job had ended before its log line reached the terminal: {job.Object["status"]?.ToJsonString()}{Environment.NewLine}Terminal so far:{Environment.NewLine}{running.Log}");
        // A replica of this job (every replica runs the scenario, so any may be first).
        Assert.Contains($"[{job.Name}-", logLine, StringComparison.Ordinal);
        Assert.Contains(job.Name, created, StringComparison.Ordinal);

        var result = await running.WaitForExitAsync(timeout.Token);
        AssertSucceeded(result);
        Assert.Contains("epoch 3 loss=0.05", result.Log, StringComparison.Ordinal);
        AssertSummary(project, result, job.Name);
    }

    [Fact]
    public async Task Without_a_terminal_the_console_logger_shows_the_same_progress_at_its_default_verbosity()
    {
        var project = Servers.NewProject("mnist-pytorch", "train-ci");

        var result = await RunAsync(UserCommand(project, "succeed after=2s; log=\"epoch 1 loss=0.31\""));

        AssertSucceeded(result);
        var job = Servers.ResourcesIn(project.Namespace).OfKind("PyTorchJob").Single().Name;
        Assert.Contains($"Created PyTorchJob {job}", result.Log, StringComparison.Ordinal);
        Assert.Contains($"PyTorchJob {job}: Running", result.Log, StringComparison.Ordinal);
        Assert.Contains($"[{job}-master-0] epoch 1 loss=0.31", result.Log, StringComparison.Ordinal);
        AssertSummary(project, result, job);
    }

    [Fact]
    public async Task The_pseudo_terminal_is_one_where_MSBuild_picks_the_terminal_logger_without_the_samples_response_file()
    {
        // Proves the harness: without the samples' Directory.Build.rsp, MSBuild in this pty uses its terminal logger,
        // which announces itself with the terminal progress sequence (OSC 9;4) and hides the task's message.
        var directory = Directory.CreateTempSubdirectory("kaptain-tty-probe-").FullName;
        try
        {
            var projectFile = Path.Combine(directory, "probe.proj");
            await File.WriteAllTextAsync(projectFile, """
                <Project>
                  <Target Name="Probe"><Message Importance="high" Text="probe-message" /></Target>
                </Project>
                """, Token);

            var result = await RunAsync(new DotnetCommand("msbuild", projectFile, "-t:Probe", "-nr:false") { WorkingDirectory = directory }.InTerminal());

            AssertSucceeded(result);
            Assert.Contains("\u001b]9;4;", result.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("probe-message", result.Log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The build as the README shows it: no logger or verbosity switches, so MSBuild chooses as for a user.</summary>
    private static DotnetCommand UserCommand(SampleProject project, string scenario) =>
        project.Build("KaptainTrain", ("E2EWorkloadScenario", scenario)).WithoutArguments("-tl:off", "-v:n");

    private static bool HasEnded(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .Any(c => c["type"]?.GetValue<string>() is "Succeeded" or "Failed" && c["status"]?.GetValue<string>() == "True");

    private void AssertSummary(SampleProject project, DotnetCommandResult result, string job)
    {
        var summary = result.Log.Split('\n').FirstOrDefault(l => l.Contains("Summary: PyTorchJob " + job + " Succeeded", StringComparison.Ordinal));
        if (summary is null
            || !summary.Contains($"kept in namespace {project.Namespace}", StringComparison.Ordinal)
            || !summary.Contains($"kubectl delete pytorchjob {job} -n {project.Namespace}", StringComparison.Ordinal)
            || !summary.Contains("-t:KaptainCleanup", StringComparison.Ordinal))
        {
            throw Fail($"Expected the summary of PyTorchJob {job} (state, namespace, how to remove it).", result);
        }

        Assert.Contains($"PyTorchJob/{job}", Servers.ResourcesIn(project.Namespace).Names);
    }
}
