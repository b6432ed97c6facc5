using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;

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
        Assert.Equal([$"PyTorchJob {project.Namespace}/{result.JobName}", $"Secret {project.Namespace}/{result.JobName}-s3"], result.Kept);
        Assert.True(File.Exists(result.ReportPath));
        Assert.Empty(project.Log.Errors);
    }

    [Fact]
    public async Task The_job_owns_its_S3_Secret_the_model_reaches_the_model_uri_in_TorchServe_layout_and_the_Secret_goes_with_the_job()
    {
        using var project = new LifecycleProject(servers, "train-s3");
        var token = TestContext.Current.CancellationToken;

        var result = await KaptainLifecycle.TrainAsync(project.Options(Image), token);

        // The simulated master uploaded the model with the Secret's credentials, where publish serves it from.
        var prefix = $"models/tests/{project.Name}/0.0.1/";
        var keys = await Kaptain.Testing.ServableModel.ListKeysAsync(servers.S3, "kaptain", prefix, token);
        Assert.Contains(prefix + "config/config.properties", keys);
        Assert.Contains(prefix + $"model-store/{project.Name}.mar", keys);

        var store = servers.Cluster.Store;
        var jobType = store.Resources.Get("kubeflow.org/v1", "PyTorchJob");
        var job = store.Get(jobType, project.Namespace, result.JobName);
        var secret = store.Get(BuiltInResources.Secret, project.Namespace, $"{result.JobName}-s3");
        var owner = Assert.Single(secret["metadata"]!["ownerReferences"]!.AsArray())!;
        Assert.Equal(job["metadata"]!["uid"]!.GetValue<string>(), owner["uid"]!.GetValue<string>());
        Assert.Equal("PyTorchJob", owner["kind"]!.GetValue<string>());
        Assert.Contains($"Secret {project.Namespace}/{result.JobName}-s3", result.Kept);

        // Whoever deletes the kept job (the operator's TTL, kubectl, the sweep), the garbage collector takes the Secret.
        store.Delete(jobType, project.Namespace, result.JobName);
        await WaitUntilAsync(() => store.TryGet(BuiltInResources.Secret, project.Namespace, $"{result.JobName}-s3") is null, token);
    }

    [Fact]
    public async Task Tensorflow_training_writes_a_SavedModel_under_a_numeric_version_folder()
    {
        using var project = new LifecycleProject(servers, "train-tf-s3", "tensorflow");
        var token = TestContext.Current.CancellationToken;

        await KaptainLifecycle.TrainAsync(project.Options(Image), token);

        var prefix = $"models/tests/{project.Name}/0.0.1/";
        var keys = await Kaptain.Testing.ServableModel.ListKeysAsync(servers.S3, "kaptain", prefix, token);
        Assert.Contains(keys, k => Regex.IsMatch(k[prefix.Length..], @"^\d+/saved_model\.pb$"));
    }

    [Fact]
    public async Task A_wrong_secret_key_fails_the_upload_and_the_job_as_the_script_would()
    {
        using var project = new LifecycleProject(servers, "train-badkey");
        project.Environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-key";

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TrainAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1103", error.Diagnostics[0].Code);
        Assert.Contains(project.Log.Lines, line => line.Contains("SignatureDoesNotMatch", StringComparison.Ordinal));
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Secret/", StringComparison.Ordinal));
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
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Secret/", StringComparison.Ordinal));
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

        // Its S3 Secret stays with it (its pods reference it), as a dependent.
        Assert.Contains(project.Resources(), r => r.Resource == $"Secret/{job["PyTorchJob/".Length..]}-s3" && r.Owner == job);
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

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
