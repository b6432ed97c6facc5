using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary><c>dotnet build -t:KaptainPublish</c>, <c>-t:KaptainRollbackCanary</c>, <c>-t:KaptainPromoteCanary</c> and <c>-t:KaptainUndeploy</c> on copies of the samples.</summary>
public abstract class PublishTests(EndToEndServers fixture) : LifecycleTest(fixture)
{
    [Theory]
    [InlineData("mnist-pytorch")]
    [InlineData("mnist-tensorflow")]
    public async Task Publishes_reports_the_url_and_keeps_the_deployment_with_its_secret(string sample)
    {
        var project = await NewPublishProjectAsync(sample, "serve-ok");

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90")));

        AssertSucceeded(result);
        var report = project.ReadRunReport("publish");
        var url = report["url"]!.GetValue<string>();
        Assert.StartsWith("http", url, StringComparison.Ordinal);
        Assert.Contains(url, result.Log, StringComparison.Ordinal);
        var runId = RunId(project, "publish");
        var account = await ServiceAccountOf(project, runId);
        await AssertKeptWithDependents(project, result, [$"InferenceService/{project.ModelName}", account], runId);

        // The run's S3 Secret stays, owned by the InferenceService (predictor pods started later read it); besides it a
        // real cluster shows the kept ServiceAccount's own token Secret (none on the local cluster).
        var resources = await Servers.ResourcesInAsync(project.Namespace, Token);
        var accountUid = resources.All.Single(r => r.ToString() == account).Uid;
        var serviceUid = resources.OfKind("InferenceService").Single().Uid;
        var s3 = Assert.Single(resources.OfKind("Secret"), s => s.Name == $"{project.ModelName}-publish-{runId}-s3");
        Assert.Contains(serviceUid, s3.Object["metadata"]!["ownerReferences"]!.AsArray().Select(o => o!["uid"]!.GetValue<string>()));
        Assert.All(resources.OfKind("Secret").Where(s => s != s3), s => Assert.True(s.TokenOf == accountUid, $"{s.Describe()} is not the token of {account}"));
    }

    [Theory]
    [InlineData("mnist-pytorch")]
    [InlineData("mnist-tensorflow")]
    public async Task Trains_then_publishes_what_the_training_job_wrote_with_no_upload_of_its_own(string sample)
    {
        // Nothing is put in the bucket by the test: the training job's primary replica uploads the model with its S3
        // Secret to KaptainModelUri, and the predictor's storage initializer loads that (and checks its layout).
        var project = await NewProjectAsync(sample, "train-serve", Token);
        AssertSucceeded(await RunAsync(project.Build("KaptainTrain")));
        var keys = await ServableModel.ListKeysAsync(Servers.S3, project.Bucket, project.TrainedModelPrefix + "/", Token);
        Assert.Contains(keys, k => k.EndsWith(project.Framework == "tensorflow" ? "/saved_model.pb" : ".mar", StringComparison.Ordinal));

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90")));

        AssertSucceeded(result);
        Assert.StartsWith("http", project.ReadRunReport("publish")["url"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_to_replace_a_deployment_with_KAPT1107_and_leaves_it_as_it_was()
    {
        var project = await NewPublishProjectAsync("mnist-pytorch", "serve-refuse");
        AssertSucceeded(await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"))));
        var before = (await Servers.ResourcesInAsync(project.Namespace, Token));
        var firstRun = RunId(project, "publish");

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90")));

        AssertFailedWith(result, "KAPT1107");
        var after = (await Servers.ResourcesInAsync(project.Namespace, Token));
        Assert.Equal(before.Names, after.Names);
        var service = after.OfKind("InferenceService").Single();
        Assert.Equal(
            before.OfKind("InferenceService").Single().Object["metadata"]!["resourceVersion"]!.GetValue<string>(),
            service.Object["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(firstRun, service.Label("kaptain.build/run"));
    }

    [Fact]
    public async Task Another_model_of_the_same_name_neither_undeploys_nor_replaces_the_deployment()
    {
        var project = await NewPublishProjectAsync("mnist-pytorch", "serve-owner");
        AssertSucceeded(await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"))));
        var before = await Servers.ResourcesInAsync(project.Namespace, Token);

        // team-b/<name> in the same namespace: its Kubernetes name defaults to <name> too, the deployed service's name.
        var otherModel = ("KaptainModelId", $"team-b/{project.ModelName}");
        var undeploy = await RunAsync(project.Build("KaptainUndeploy", otherModel));
        var replace = await RunAsync(project.Build("KaptainPublish", otherModel, ("KaptainReplace", "true"), ("KaptainPublishTimeout", "90")));

        AssertFailedWith(undeploy, "KAPT1020");
        AssertFailedWith(replace, "KAPT1020");
        var after = await Servers.ResourcesInAsync(project.Namespace, Token);
        Assert.Equal(before.Names, after.Names);
        Assert.Equal(
            before.OfKind("InferenceService").Single().Object["metadata"]!["resourceVersion"]!.GetValue<string>(),
            after.OfKind("InferenceService").Single().Object["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Replaces_a_deployment_when_asked_to()
    {
        var project = await NewPublishProjectAsync("mnist-tensorflow", "serve-replace");
        AssertSucceeded(await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"))));

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"), ("KaptainReplace", "true")));

        AssertSucceeded(result);
        var report = project.ReadRunReport("publish");
        Assert.True(report["replaced"]!.GetValue<bool>(), result.Log);
        var runId = RunId(project, "publish");
        var service = (await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("InferenceService").Single();
        Assert.Equal(runId, service.Label("kaptain.build/run"));
    }

    [Fact]
    public async Task A_model_that_is_not_in_the_bucket_fails_fast_naming_the_storage_initializers_failure_and_removes_everything()
    {
        // No model uploaded: the storage initializer fails on every start (Init:CrashLoopBackOff). Publish stops on the
        // pod (KAPT1051), or on the Revision Knative fails at its progress deadline (KAPT1050, RevisionFailed with
        // KServe's model status), rather than waiting out KaptainPublishTimeout (which would be KAPT1108).
        var project = await NewProjectAsync("mnist-pytorch", "serve-nomodel", Token);
        await Servers.S3.CreateBucketAsync(project.Bucket, Token);

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "300")));

        AssertFailedWith(result, ErrorCodes(result.Log).Contains("KAPT1051") ? "KAPT1051" : "KAPT1050");
        Assert.Contains("No model found in s3://", result.Log, StringComparison.Ordinal);
        await AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task A_RawDeployment_model_in_the_wrong_layout_fails_fast_on_the_storage_initializer()
    {
        // A bare model.pt where KServe's PyTorch predictor (TorchServe) needs config/ and model-store/: the storage
        // initializer fails on every start. A RawDeployment's Deployment is "progressing" for 600 s, so only the pod
        // (KAPT1051) ends this publish before KaptainPublishTimeout (KAPT1108), with the initializer's own line.
        var project = await NewProjectAsync("mnist-pytorch", "serve-layout", Token);
        await Servers.S3.CreateBucketAsync(project.Bucket, Token);
        await Servers.S3.PutObjectAsync(project.Bucket, $"models/{project.ModelId}/0.1.0/model.pt", System.Text.Encoding.UTF8.GetBytes("weights"), Token);

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "300"), ("KaptainDeploymentMode", "RawDeployment")));

        AssertFailedWith(result, "KAPT1051");
        Assert.Contains("container storage-initializer: Init:CrashLoopBackOff", result.Log, StringComparison.Ordinal);
        Assert.Contains("config/config.properties", result.Log, StringComparison.Ordinal);
        await AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task A_canary_is_rolled_back_then_promoted_with_the_targets()
    {
        var project = await NewPublishProjectAsync("mnist-pytorch", "serve-canary");
        AssertSucceeded(await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"))));
        var first = project.ReadRunReport("publish")["revision"]!.GetValue<string>();
        AssertSucceeded(await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"), ("KaptainReplace", "true"), ("KaptainCanaryTrafficPercent", "25"))));
        var canary = project.ReadRunReport("publish")["revision"]!.GetValue<string>();
        Assert.NotEqual(first, canary);

        var rollback = await RunAsync(project.Build("KaptainRollbackCanary", ("KaptainPublishTimeout", "90")));

        AssertSucceeded(rollback);
        var back = project.ReadRunReport("rollback-canary");
        Assert.Equal(first, back["revision"]!.GetValue<string>());
        Assert.Contains($"serves revision {first} with all traffic", rollback.Log, StringComparison.Ordinal);
        var service = (await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("InferenceService").Single();
        Assert.Equal(0, service.Object["spec"]!["predictor"]!["canaryTrafficPercent"]!.GetValue<int>());

        var promote = await RunAsync(project.Build("KaptainPromoteCanary", ("KaptainPublishTimeout", "90")));

        AssertSucceeded(promote);
        var promoted = project.ReadRunReport("promote-canary");
        Assert.Equal(canary, promoted["revision"]!.GetValue<string>());
        Assert.Equal(back["url"]!.GetValue<string>(), promoted["url"]!.GetValue<string>());
        service = (await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("InferenceService").Single();
        Assert.Null(service.Object["spec"]!["predictor"]!["canaryTrafficPercent"]);

        var again = await RunAsync(project.Build("KaptainPromoteCanary", ("KaptainPublishTimeout", "90")));
        AssertFailedWith(again, "KAPT1053");
    }

    [Fact]
    public async Task The_canary_targets_refuse_RawDeployment_with_KAPT2100()
    {
        var project = await NewPublishProjectAsync("mnist-tensorflow", "serve-rawcanary");

        var promote = await RunAsync(project.Build("KaptainPromoteCanary", ("KaptainDeploymentMode", "RawDeployment")));
        var publish = await RunAsync(project.Build("KaptainPublish", ("KaptainDeploymentMode", "RawDeployment"), ("KaptainCanaryTrafficPercent", "10")));

        AssertFailedWith(promote, "KAPT2100");
        AssertFailedWith(publish, "KAPT2100");
        await AssertNothingLeft(project, publish);
    }

    [Fact]
    public async Task A_deployment_that_is_not_ready_in_time_reports_KAPT1108_and_removes_everything()
    {
        var project = await NewPublishProjectAsync("mnist-pytorch", Scenarios.ServingPending);

        var result = await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "3")));

        AssertFailedWith(result, "KAPT1108");
        await AssertNothingLeft(project, result);
    }

    [Theory]
    [MemberData(nameof(StopSignals))]
    public async Task Ctrl_C_while_waiting_for_the_deployment_removes_everything_the_run_created(int signal)
    {
        var project = await NewPublishProjectAsync("mnist-pytorch", Scenarios.ServingPending);

        var result = await InterruptAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90")), "Created InferenceService", signal);

        AssertStopped(result, signal);
        await AssertNothingLeft(project, result);
        AssertNoJournal(project, result);
    }

    [Fact]
    public async Task Undeploy_removes_the_deployment_and_what_came_with_it()
    {
        var project = await NewPublishProjectAsync("mnist-pytorch", "serve-undeploy");
        AssertSucceeded(await RunAsync(project.Build("KaptainPublish", ("KaptainPublishTimeout", "90"))));
        Assert.Single((await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("InferenceService"));

        var result = await RunAsync(project.Build("KaptainUndeploy"));

        AssertSucceeded(result);
        await AssertNothingLeft(project, result);
        var removed = project.ReadRunReport("undeploy")["removed"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.Contains(removed, r => r.StartsWith("InferenceService", StringComparison.Ordinal) && r.EndsWith("/" + project.ModelName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Undeploy_without_a_deployment_succeeds_and_removes_nothing()
    {
        var project = await NewPublishProjectAsync("mnist-tensorflow", "serve-none");

        var result = await RunAsync(project.Build("KaptainUndeploy"));

        AssertSucceeded(result);
        await AssertNothingLeft(project, result);
        Assert.Empty(project.ReadRunReport("undeploy")["removed"]!.AsArray());
    }

    /// <summary>A project whose trained model is where the InferenceService looks for it (<see cref="SampleProject.PutTrainedModelAsync"/>).</summary>
    private async Task<SampleProject> NewPublishProjectAsync(string sample, string name)
    {
        var project = await NewProjectAsync(sample, name, Token);
        await project.PutTrainedModelAsync(Token);
        return project;
    }

    private async Task<string> ServiceAccountOf(SampleProject project, string runId)
    {
        var accounts = (await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("ServiceAccount").Where(a => a.Label("kaptain.build/run") == runId).ToList();
        Assert.Single(accounts);
        return accounts[0].ToString();
    }
}
