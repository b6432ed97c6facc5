using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary><c>dotnet build -t:KaptainCleanup</c> after a build that was killed and could not clean up.</summary>
public abstract class CleanupTests(EndToEndServers fixture) : LifecycleTest(fixture)
{
    [Fact]
    public async Task Removes_what_a_killed_training_run_left_behind()
    {
        var project = await NewProjectAsync("mnist-pytorch", "cleanup-killed", Token);
        var train = project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\""));
        string killedLog;
        await using (var running = train.Start())
        {
            await running.WaitForLineAsync("epoch 1 started", Token);
            killedLog = running.Log;

            // Disposing kills the process tree (SIGKILL): the task gets no chance to clean up.
        }

        var left = (await Servers.ResourcesInAsync(project.Namespace, Token));
        Assert.True(left.OfKind("PyTorchJob").Count == 1, $"The killed run should have left its PyTorchJob:{Environment.NewLine}{left}{Environment.NewLine}{killedLog}");

        var result = await RunAsync(project.Build("KaptainCleanup"));

        AssertSucceeded(result);
        await AssertNothingLeft(project, result);
        var job = left.OfKind("PyTorchJob").Single().Name;
        Assert.Contains(job, result.Log, StringComparison.Ordinal);
        var removed = project.ReadRunReport("cleanup")["removed"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.Contains(removed, r => r.Contains(job, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Finds_nothing_to_remove_when_no_run_was_interrupted()
    {
        var project = await NewProjectAsync("mnist-tensorflow", "cleanup-none", Token);
        AssertSucceeded(await RunAsync(project.Build("KaptainTrain", ("KaptainForceCleanup", "true"))));

        var result = await RunAsync(project.Build("KaptainCleanup"));

        AssertSucceeded(result);
        await AssertNothingLeft(project, result);
        Assert.Empty(project.ReadRunReport("cleanup")["removed"]!.AsArray());
    }
}
