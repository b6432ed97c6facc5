using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary>
/// <c>dotnet build -t:KaptainTrain</c> on copies of both samples (PyTorchJob and TFJob); the image step runs first. The
/// training workloads are scripted with a <c>LOCAL_CLUSTER_SCENARIO</c> environment item.
/// </summary>
public sealed class TrainTests(EndToEndServers fixture) : LifecycleTest(fixture)
{
    public static TheoryData<string> Samples => new("mnist-pytorch", "mnist-tensorflow");

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Trains_streams_the_logs_and_keeps_only_the_finished_job(string sample)
    {
        var project = Servers.NewProject(sample, "train-ok");

        var result = await RunAsync(project.Build(
            "KaptainTrain", ("E2EWorkloadScenario", "succeed after=1s; log=\"epoch 1 loss=0.31\"; log=\"epoch 2 loss=0.12\"")));

        AssertSucceeded(result);
        var (kind, job) = TrainingJob(project);
        Assert.Contains($"[{job}-", result.Log, StringComparison.Ordinal);
        Assert.Contains("epoch 2 loss=0.12", result.Log, StringComparison.Ordinal);
        var report = project.ReadRunReport("train");
        Assert.Equal("Succeeded", report["state"]!.GetValue<string>());
        AssertResources(project, result, [$"{kind}/{job}", .. PodsOf(project, job)], RunId(project, "train"));
        Assert.NotEmpty(PodsOf(project, job));
    }

    [Fact]
    public async Task Force_cleanup_removes_the_finished_job_too()
    {
        var project = Servers.NewProject("mnist-pytorch", "train-force");

        var result = await RunAsync(project.Build("KaptainTrain", ("KaptainForceCleanup", "true")));

        AssertSucceeded(result);
        Assert.Equal("Succeeded", project.ReadRunReport("train")["state"]!.GetValue<string>());
        AssertNothingLeft(project, result);
    }

    [Theory]
    [InlineData("mnist-pytorch", "fail after=1s reason=Error exit=2 message=\"CUDA error: out of memory\"")]
    [InlineData("mnist-tensorflow", "fail after=1s reason=OOMKilled")]
    [InlineData("mnist-pytorch", "crashloop after=200ms")]
    public async Task A_failed_job_reports_KAPT1103_and_removes_everything(string sample, string scenario)
    {
        var project = Servers.NewProject(sample, "train-fail");

        var result = await RunAsync(project.Build("KaptainTrain", ("E2EWorkloadScenario", scenario)));

        AssertFailedWith(result, "KAPT1103");
        AssertNothingLeft(project, result);
    }

    [Theory]
    [InlineData("hang log=\"epoch 1 loss=0.5\"")]
    [InlineData("pending")]
    public async Task A_job_that_does_not_finish_in_time_reports_KAPT1104_and_removes_everything(string scenario)
    {
        var project = Servers.NewProject("mnist-tensorflow", "train-timeout");

        var result = await RunAsync(project.Build("KaptainTrain", ("E2EWorkloadScenario", scenario), ("KaptainTrainTimeout", "3")));

        AssertFailedWith(result, "KAPT1104");
        AssertNothingLeft(project, result);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Ctrl_C_while_the_job_runs_removes_everything_the_run_created(string sample)
    {
        var project = Servers.NewProject(sample, "train-sigint");

        var result = await InterruptAsync(
            project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")), "epoch 1 started");

        AssertCancelled(result);
        AssertNothingLeft(project, result);
        AssertNoJournal(project, result);
    }

    [Theory]
    [InlineData(UnixSignal.Terminate)]
    [InlineData(UnixSignal.Hangup)]
    public async Task A_CI_cancellation_while_the_job_runs_removes_everything_the_run_created(int signal)
    {
        var project = Servers.NewProject("mnist-pytorch", $"train-{UnixSignal.Name(signal).ToLowerInvariant()}");

        var result = await InterruptAsync(
            project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")), "epoch 1 started", signal);

        AssertStopped(result, signal);
        AssertNothingLeft(project, result);
        AssertNoJournal(project, result);
    }

    private static (string Kind, string Name) TrainingJob(SampleProject project)
    {
        var report = project.ReadRunReport("train");
        return (report["jobKind"]!.GetValue<string>(), report["jobName"]!.GetValue<string>());
    }

    private IReadOnlyList<string> PodsOf(SampleProject project, string job) =>
        [.. Servers.ResourcesIn(project.Namespace).OfKind("Pod").Where(p => p.Label("training.kubeflow.org/job-name") == job).Select(p => p.ToString())];
}
