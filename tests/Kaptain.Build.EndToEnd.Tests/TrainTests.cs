using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary>
/// <c>dotnet build -t:KaptainTrain</c> on copies of both samples (PyTorchJob and TFJob); the image step runs first. The
/// training workloads are scripted with a <c>LOCAL_CLUSTER_SCENARIO</c> environment item.
/// </summary>
public abstract class TrainTests(EndToEndServers fixture) : LifecycleTest(fixture)
{
    public static TheoryData<string> Samples => new("mnist-pytorch", "mnist-tensorflow");

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Trains_streams_the_logs_and_keeps_only_the_finished_job(string sample)
    {
        var project = await NewProjectAsync(sample, "train-ok", Token);

        var result = await RunAsync(project.Build(
            "KaptainTrain", ("E2EWorkloadScenario", "succeed after=1s; log=\"epoch 1 loss=0.31\"; log=\"epoch 2 loss=0.12\"")));

        AssertSucceeded(result);
        var (kind, job) = TrainingJob(project);
        Assert.Contains($"[{job}-", result.Log, StringComparison.Ordinal);
        Assert.Contains("epoch 2 loss=0.12", result.Log, StringComparison.Ordinal);
        var report = project.ReadRunReport("train");
        Assert.Equal("Succeeded", report["state"]!.GetValue<string>());
        // The kept job and what its operator made for it: a pod and a headless Service per replica (training-operator
        // pkg/controller.v1/common: ReconcilePods, ReconcileServices); and the S3 Secret its replicas uploaded the
        // trained model with, owned by the job (it goes when the job goes).
        await AssertResources(project, result, [$"{kind}/{job}", $"Secret/{job}-s3", .. await PodsOf(project, job), .. await ServicesOf(project, job)], RunId(project, "train"));
        Assert.NotEmpty(await PodsOf(project, job));
    }

    [Fact]
    public async Task Force_cleanup_removes_the_finished_job_too()
    {
        var project = await NewProjectAsync("mnist-pytorch", "train-force", Token);

        var result = await RunAsync(project.Build("KaptainTrain", ("KaptainForceCleanup", "true")));

        AssertSucceeded(result);
        Assert.Equal("Succeeded", project.ReadRunReport("train")["state"]!.GetValue<string>());
        await AssertNothingLeft(project, result);
    }

    [Theory]
    [InlineData("mnist-pytorch", "fail after=1s reason=Error exit=2 message=\"CUDA error: out of memory\"")]
    [InlineData("mnist-tensorflow", "fail after=1s reason=OOMKilled")]
    [InlineData("mnist-pytorch", "crashloop after=200ms")]
    public async Task A_failed_job_reports_KAPT1103_and_removes_everything(string sample, string scenario)
    {
        var project = await NewProjectAsync(sample, "train-fail", Token);

        var result = await RunAsync(project.Build("KaptainTrain", ("E2EWorkloadScenario", scenario)));

        AssertFailedWith(result, "KAPT1103");
        await AssertNothingLeft(project, result);
    }

    [Theory]
    [InlineData("hang log=\"epoch 1 loss=0.5\"")]
    [InlineData("pending")]
    public async Task A_job_that_does_not_finish_in_time_reports_KAPT1104_and_removes_everything(string scenario)
    {
        var project = await NewProjectAsync("mnist-tensorflow", "train-timeout", Token);

        var result = await RunAsync(project.Build("KaptainTrain", ("E2EWorkloadScenario", scenario), ("KaptainTrainTimeout", "3")));

        AssertFailedWith(result, "KAPT1104");
        await AssertNothingLeft(project, result);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Ctrl_C_while_the_job_runs_removes_everything_the_run_created(string sample)
    {
        var project = await NewProjectAsync(sample, "train-sigint", Token);

        var result = await InterruptAsync(
            project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")), "epoch 1 started");

        AssertCancelled(result);
        await AssertNothingLeft(project, result);
        AssertNoJournal(project, result);
    }

    [Theory]
    [InlineData(UnixSignal.Terminate)]
    [InlineData(UnixSignal.Hangup)]
    public async Task A_CI_cancellation_while_the_job_runs_removes_everything_the_run_created(int signal)
    {
        var project = await NewProjectAsync("mnist-pytorch", $"train-{UnixSignal.Name(signal).ToLowerInvariant()}", Token);

        var result = await InterruptAsync(
            project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")), "epoch 1 started", signal);

        AssertStopped(result, signal);
        await AssertNothingLeft(project, result);
        AssertNoJournal(project, result);
    }

    private static (string Kind, string Name) TrainingJob(SampleProject project)
    {
        var report = project.ReadRunReport("train");
        return (report["jobKind"]!.GetValue<string>(), report["jobName"]!.GetValue<string>());
    }

    private async Task<IReadOnlyList<string>> ServicesOf(SampleProject project, string job) =>
        [.. (await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("Service").Where(p => p.Label("training.kubeflow.org/job-name") == job).Select(p => p.ToString())];

    private async Task<IReadOnlyList<string>> PodsOf(SampleProject project, string job) =>
        [.. (await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("Pod").Where(p => p.Label("training.kubeflow.org/job-name") == job).Select(p => p.ToString())];
}
