using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>The train step against the local cluster: what it leaves on success, failure, timeout and cancellation.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class TrainingStepTests(LifecycleServers servers)
{
    private static readonly ImageReference Image = ImageReference.TryParse("127.0.0.1:5000/tests/model:1", out var image) ? image : throw new InvalidOperationException();

    [Fact]
    public async Task Training_succeeds_streams_the_replicas_logs_and_keeps_only_the_job()
    {
        using var project = new LifecycleProject(servers, "train-ok");
        project.Properties[ModelProperties.Workers] = "2";
        project.Scenario("succeed after=500ms; log=\"epoch 1 loss=0.4\"; log=\"epoch 2 loss=0.2\"");

        var result = await KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.Equal("PyTorchJob", result.JobKind);
        Assert.Equal("Succeeded", result.State);
        Assert.True(result.JobKept);
        Assert.Equal([$"PyTorchJob/{result.JobName}"], project.LeftByRuns());
        Assert.Contains(project.Log.Lines, line => line.StartsWith($"[{result.JobName}-master-0] ", StringComparison.Ordinal) && line.EndsWith("epoch 2 loss=0.2", StringComparison.Ordinal));
        Assert.Contains(project.Log.Lines, line => line.StartsWith($"[{result.JobName}-worker-0] ", StringComparison.Ordinal));
        Assert.Equal([$"PyTorchJob {project.Namespace}/{result.JobName}"], result.Kept);
        Assert.True(File.Exists(result.ReportPath));
        Assert.Empty(project.Log.Errors);
    }

    [Fact]
    public async Task A_job_that_shows_no_change_for_longer_than_a_watch_stays_open_is_still_followed_to_its_end()
    {
        // The job's status does not change between Running and Succeeded; its watch idles for longer than a watch stream
        // lasts through KubernetesClient (about 45 s here), which must not end the step.
        using var project = new LifecycleProject(servers, "train-quiet");
        project.Scenario("succeed after=55s; log=\"still training\"");

        var result = await KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.Equal("Succeeded", result.State);
        Assert.Empty(project.Log.Errors);
        Assert.Equal([$"PyTorchJob/{result.JobName}"], project.LeftByRuns());
    }

    [Fact]
    public async Task Tensorflow_training_creates_a_TFJob()
    {
        using var project = new LifecycleProject(servers, "train-tf", "tensorflow");

        var result = await KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.Equal("TFJob", result.JobKind);
        Assert.Equal([$"TFJob/{result.JobName}"], project.LeftByRuns());
    }

    [Fact]
    public async Task Force_cleanup_from_the_environment_removes_the_finished_job()
    {
        using var project = new LifecycleProject(servers, "train-force");
        project.Environment["KAPTAIN_SDK_FORCE_CLEANUP"] = "true";

        var result = await KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.False(result.JobKept);
        Assert.Empty(project.LeftByRuns());
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Pod/", StringComparison.Ordinal));
        Assert.Contains($"PyTorchJob {project.Namespace}/{result.JobName}", result.Removed);
    }

    [Fact]
    public async Task A_failed_job_is_reported_with_its_conditions_and_removed()
    {
        using var project = new LifecycleProject(servers, "train-fail");
        project.Scenario("fail after=300ms; reason=OOMKilled; message=\"out of memory\"");

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1103", Assert.Single(error.Diagnostics).Code);
        Assert.Equal(["KAPT1103"], project.Log.Errors.Select(e => e.Code));
        Assert.Empty(project.LeftByRuns());
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Pod/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_job_is_kept_when_asked()
    {
        using var project = new LifecycleProject(servers, "train-keep");
        project.Properties[ModelProperties.KeepFailedResources] = "true";
        project.Scenario("fail after=200ms");

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1103", error.Diagnostics[0].Code);
        var job = Assert.Single(project.LeftByRuns());
        Assert.StartsWith("PyTorchJob/", job, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_that_outlives_the_timeout_is_reported_and_removed()
    {
        using var project = new LifecycleProject(servers, "train-timeout");
        project.Properties[ModelProperties.TrainTimeout] = "2";
        project.Scenario("hang");

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1104", error.Diagnostics[0].Code);
        Assert.Empty(project.LeftByRuns());
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Pod/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_while_the_job_runs_removes_everything_the_run_created()
    {
        using var project = new LifecycleProject(servers, "train-cancel");
        project.Scenario("hang; log=\"epoch 1 started\"");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        project.Log.When(line => line.EndsWith("epoch 1 started", StringComparison.Ordinal), _ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => KaptainLifecycle.TrainAsync(project.Options(Image), cancel.Token));

        Assert.Empty(project.LeftByRuns());
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Pod/", StringComparison.Ordinal));
        var report = await File.ReadAllTextAsync(Path.Combine(project.Intermediate, "run-report-train.json"), TestContext.Current.CancellationToken);
        Assert.Contains("\"outcome\": \"cancelled\"", report, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(project.Intermediate, "journal-*.jsonl"));
    }
}
