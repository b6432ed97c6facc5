using System.Text.Json.Nodes;
using System.Xml.Linq;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Context;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>The lifecycle's decisions on their own: what stays, what is ready, which revisions go, what the files say.</summary>
public sealed class LifecycleDecisionTests
{
    private static ResourceReference Ref(ResourceKind kind, string name) => new(kind.ApiVersion, kind.Kind, "ns", name);

    private static ModelDefinition Model(params (string Name, string Value)[] properties)
    {
        using var project = new TestModelProject();
        foreach (var (name, value) in properties)
        {
            project.Properties[name] = value;
        }

        return project.Model();
    }

    [Fact]
    public void A_finished_training_job_stays_unless_force_cleanup_is_asked()
    {
        var job = Ref(ResourceKinds.PyTorchJob, "job");
        Assert.True(TrainingStep.SuccessPolicy(Model(), ResourceKinds.PyTorchJob).ShouldKeep(job, RunOutcome.Succeeded));
        Assert.False(TrainingStep.SuccessPolicy(Model((ModelProperties.ForceCleanup, "true")), ResourceKinds.PyTorchJob).ShouldKeep(job, RunOutcome.Succeeded));
    }

    [Fact]
    public void Force_cleanup_from_the_environment_counts_like_the_property()
    {
        using var project = new TestModelProject();
        project.Environment["KAPTAIN_SDK_FORCE_CLEANUP"] = "true";
        var job = Ref(ResourceKinds.TFJob, "job");
        Assert.False(TrainingStep.SuccessPolicy(project.Model(), ResourceKinds.TFJob).ShouldKeep(job, RunOutcome.Succeeded));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    public void A_failed_job_stays_only_with_keep_failed_resources_and_never_with_force_cleanup(bool keepFailed, bool force, bool kept)
    {
        var model = Model((ModelProperties.KeepFailedResources, keepFailed ? "true" : "false"), (ModelProperties.ForceCleanup, force ? "true" : "false"));
        var policy = FailureKeepPolicy.For(model, ResourceKinds.Job);

        Assert.Equal(kept, policy.ShouldKeep(Ref(ResourceKinds.Job, "build"), RunOutcome.Failed));
        Assert.False(policy.ShouldKeep(Ref(ResourceKinds.Secret, "build-s3"), RunOutcome.Failed));
        Assert.False(policy.ShouldKeep(Ref(ResourceKinds.Job, "build"), RunOutcome.Cancelled));
    }

    [Fact]
    public void The_experiment_stays_unless_deleting_it_is_asked()
    {
        var experiment = Ref(ResourceKinds.Experiment, "tune");
        Assert.True(TuningStep.SuccessPolicy(Model()).ShouldKeep(experiment, RunOutcome.Succeeded));
        using var project = new TestModelProject();
        project.Environment["KAPTAIN_SDK_DELETE_EXPERIMENT"] = "true";
        Assert.False(TuningStep.SuccessPolicy(project.Model()).ShouldKeep(experiment, RunOutcome.Succeeded));
    }

    [Fact]
    public void A_published_model_keeps_its_service_its_account_and_the_credentials_its_pods_read()
    {
        // KServe's storage initializer reads the S3 Secret by secretKeyRef in every predictor pod, also those started
        // after Ready (scale from zero, rescheduling): it lives as long as the InferenceService (issue 13 item 2).
        var policy = PublishingStep.SuccessPolicy(ResourceKinds.InferenceService);
        Assert.True(policy.ShouldKeep(Ref(ResourceKinds.InferenceService, "mnist"), RunOutcome.Succeeded));
        Assert.True(policy.ShouldKeep(Ref(ResourceKinds.ServiceAccount, "mnist-publish-1"), RunOutcome.Succeeded));
        Assert.True(policy.ShouldKeep(Ref(ResourceKinds.Secret, "mnist-publish-1-s3"), RunOutcome.Succeeded));
        Assert.False(policy.ShouldKeep(Ref(ResourceKinds.InferenceService, "mnist"), RunOutcome.Failed));
    }

    [Fact]
    public void A_failed_replacement_keeps_the_credentials_the_replaced_service_now_uses()
    {
        var model = Model();
        Assert.True(PublishingStep.FailurePolicy(model, ResourceKinds.InferenceService, replaced: true).ShouldKeep(Ref(ResourceKinds.Secret, "s3"), RunOutcome.Failed));
        Assert.False(PublishingStep.FailurePolicy(model, ResourceKinds.InferenceService, replaced: false).ShouldKeep(Ref(ResourceKinds.Secret, "s3"), RunOutcome.Failed));
        Assert.False(PublishingStep.FailurePolicy(model, ResourceKinds.InferenceService, replaced: false).ShouldKeep(Ref(ResourceKinds.InferenceService, "mnist"), RunOutcome.Failed));
    }

    [Fact]
    public void The_legacy_api_group_publishes_a_KFServing_InferenceService()
    {
        var model = Model((ModelProperties.ServingApiGroup, "serving.kubeflow.org"));
        Assert.Equal(ResourceKinds.KfServingInferenceService, PublishingStep.InferenceServiceKind(model.Publish));
        Assert.Equal(ResourceKinds.InferenceService, PublishingStep.InferenceServiceKind(Model().Publish));
    }

    [Fact]
    public void Readiness_does_not_read_observedGeneration_which_KServe_copies_from_the_child()
    {
        JsonObject Service(long generation, long? observed, string ready) => new()
        {
            ["metadata"] = new JsonObject { ["generation"] = generation },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = observed,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready }),
            },
        };

        // The Knative Service's generation 1 under an InferenceService at generation 2 is not "behind".
        Assert.True(PublishingStep.IsReady(Service(2, 1, "True")));
        Assert.True(PublishingStep.IsReady(Service(1, 1, "True")));
        Assert.False(PublishingStep.IsReady(Service(2, 2, "False")));
    }

    [Fact]
    public void Terminal_reasons_end_the_wait_and_an_old_revisions_failure_does_not()
    {
        JsonObject Service(string status, string? reason, string? created = null, string? transition = null) => new()
        {
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = status, ["reason"] = reason, ["message"] = "Revision \"p-00002\" failed with message: Back-off pulling image." }),
                ["components"] = new JsonObject { ["predictor"] = new JsonObject { ["latestCreatedRevision"] = created } },
                ["modelStatus"] = new JsonObject { ["transitionStatus"] = transition },
            },
        };

        Assert.Contains("RevisionFailed", PublishingStep.Terminal(Service("False", "RevisionFailed", "p-00001")), StringComparison.Ordinal);
        Assert.Contains("ProgressDeadlineExceeded", PublishingStep.Terminal(Service("False", "ProgressDeadlineExceeded")), StringComparison.Ordinal);
        Assert.StartsWith("InvalidSpec", PublishingStep.Terminal(Service("Unknown", null, transition: "InvalidSpec")), StringComparison.Ordinal);
        Assert.Null(PublishingStep.Terminal(Service("False", "MinimumReplicasUnavailable")));
        Assert.Null(PublishingStep.Terminal(Service("Unknown", "RevisionMissing")));
        // After a replace the status may still be the replaced revision's: only a newer revision's failure counts.
        Assert.Null(PublishingStep.Terminal(Service("False", "RevisionFailed", "p-00001"), "p-00001"));
        Assert.NotNull(PublishingStep.Terminal(Service("False", "RevisionFailed", "p-00002"), "p-00001"));
    }

    [Fact]
    public void A_failed_model_load_is_read_from_KServes_model_status_for_the_new_revision_only()
    {
        JsonObject Service(string transition, string? created, string? reason = "ModelLoadFailed") => new()
        {
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "False", ["reason"] = "RevisionFailed", ["message"] = "Revision \"p-00002\" failed with message: ." }),
                ["components"] = new JsonObject { ["predictor"] = new JsonObject { ["latestCreatedRevision"] = created } },
                ["modelStatus"] = new JsonObject
                {
                    ["transitionStatus"] = transition,
                    ["lastFailureInfo"] = new JsonObject { ["reason"] = reason, ["message"] = "No model found in s3://m/x.", ["exitCode"] = 1 },
                },
            },
        };

        Assert.Equal("ModelLoadFailed, exit code 1: No model found in s3://m/x.", PublishingStep.ModelLoadFailure(Service("BlockedByFailedLoad", "p-00002")));
        // KServe keeps lastFailureInfo after a later load: the transition status says whether it is current.
        Assert.Null(PublishingStep.ModelLoadFailure(Service("UpToDate", "p-00002")));
        Assert.Null(PublishingStep.ModelLoadFailure(Service("BlockedByFailedLoad", "p-00002", reason: "InvalidPredictorSpec")));
        // After a replace, the replaced revision's pods are not the new version's.
        Assert.Null(PublishingStep.ModelLoadFailure(Service("BlockedByFailedLoad", "p-00001"), "p-00001"));
        Assert.NotNull(PublishingStep.ModelLoadFailure(Service("BlockedByFailedLoad", "p-00002"), "p-00001"));
        // Knative's RevisionFailed for a storage initializer has no message (PodInitializing): the model status gives it.
        Assert.EndsWith("KServe's model status: ModelLoadFailed, exit code 1: No model found in s3://m/x.", PublishingStep.Terminal(Service("BlockedByFailedLoad", "p-00002")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_RawDeployment_is_rolled_out_once_its_newer_generation_is_available()
    {
        JsonObject Deployment(long generation, long observed, int updated, int available, string reason) => new()
        {
            ["metadata"] = new JsonObject { ["generation"] = generation },
            ["spec"] = new JsonObject { ["replicas"] = 1 },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = observed,
                ["updatedReplicas"] = updated,
                ["availableReplicas"] = available,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["reason"] = reason }),
            },
        };

        Assert.False(PublishingStep.IsRolledOut(Deployment(1, 1, 1, 1, "NewReplicaSetAvailable"), 1));
        Assert.False(PublishingStep.IsRolledOut(Deployment(2, 1, 1, 1, "NewReplicaSetAvailable"), 1));
        Assert.False(PublishingStep.IsRolledOut(Deployment(2, 2, 1, 1, "ReplicaSetUpdated"), 1));
        Assert.False(PublishingStep.IsRolledOut(Deployment(2, 2, 0, 1, "NewReplicaSetAvailable"), 1));
        Assert.True(PublishingStep.IsRolledOut(Deployment(2, 2, 1, 1, "NewReplicaSetAvailable"), 1));
        Assert.True(PublishingStep.IsRolledOut(Deployment(1, 1, 1, 1, "NewReplicaSetAvailable"), null));
    }

    [Fact]
    public void The_canary_serves_when_one_revision_has_all_the_traffic()
    {
        JsonObject Service(params (string Revision, int Percent, bool Latest)[] traffic) => new()
        {
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["components"] = new JsonObject
                {
                    ["predictor"] = new JsonObject
                    {
                        ["latestCreatedRevision"] = "p-00002",
                        ["latestReadyRevision"] = "p-00002",
                        ["traffic"] = new JsonArray(traffic.Select(t => (JsonNode)new JsonObject { ["revisionName"] = t.Revision, ["percent"] = t.Percent, ["latestRevision"] = t.Latest }).ToArray()),
                    },
                },
            },
        };

        var split = Service(("p-00002", 20, true), ("p-00001", 80, false));
        Assert.Null(CanaryStep.FullRevision(split));
        Assert.False(CanaryStep.Serves(split, null));
        Assert.False(CanaryStep.Serves(split, "p-00001"));
        Assert.True(CanaryStep.Serves(Service(("p-00002", 100, true)), null));
        var back = Service(("p-00002", 0, true), ("p-00001", 100, false));
        Assert.True(CanaryStep.Serves(back, "p-00001"));
        Assert.False(CanaryStep.Serves(back, null));
        Assert.Equal(["p-00001"], PublishingStep.TrafficRevisions(back));
    }

    [Fact]
    public void A_replaced_service_is_ready_only_once_a_new_revision_is_the_ready_one()
    {
        JsonObject Service(string created, string ready) => new()
        {
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["components"] = new JsonObject { ["predictor"] = new JsonObject { ["latestCreatedRevision"] = created, ["latestReadyRevision"] = ready } },
            },
        };

        Assert.False(PublishingStep.IsReady(Service("p-00001", "p-00001"), "p-00001"));
        Assert.False(PublishingStep.IsReady(Service("p-00002", "p-00001"), "p-00001"));
        Assert.True(PublishingStep.IsReady(Service("p-00002", "p-00002"), "p-00001"));
        Assert.True(PublishingStep.IsReady(Service("p-00001", "p-00001"), null));
    }

    [Fact]
    public void Revisions_beyond_the_current_one_and_the_newest_to_keep_are_removed()
    {
        JsonObject Revision(string name, string created, int generation) => new()
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["creationTimestamp"] = created,
                ["labels"] = new JsonObject { ["serving.knative.dev/configurationGeneration"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
        };
        var revisions = new[]
        {
            Revision("p-00001", "2026-01-01T00:00:01Z", 1),
            Revision("p-00002", "2026-01-01T00:00:02Z", 2),
            Revision("p-00004", "2026-01-01T00:00:04Z", 4),
            Revision("p-00003", "2026-01-01T00:00:04Z", 3),
        };

        var removed = PublishingStep.RevisionsToRemove(revisions, "p-00004", 1).Select(KubernetesObjectJson.Name);

        Assert.Equal(["p-00002", "p-00001"], removed);

        // A revision newer than the serving one (a rollout Knative started since) is neither removed nor counted.
        var rollingOut = revisions.Append(Revision("p-00005", "2026-01-01T00:00:04Z", 5));
        Assert.Equal(["p-00002", "p-00001"], PublishingStep.RevisionsToRemove(rollingOut, "p-00004", 1).Select(KubernetesObjectJson.Name));
    }

    [Fact]
    public void Trials_and_the_best_trial_are_read_from_Katib_status()
    {
        var trial = JsonNode.Parse("""
            {"metadata":{"name":"t-1"},
             "spec":{"parameterAssignments":[{"name":"lr","value":"0.01"},{"name":"optimizer","value":"adam"}]},
             "status":{"conditions":[{"type":"Created","status":"True"},{"type":"Running","status":"False"},{"type":"Failed","status":"True","reason":"TrialFailed","message":"loss is NaN"}],
                       "observation":{"metrics":[{"name":"accuracy","latest":"0.5","min":"0.1","max":"0.5"}]}}}
            """)!.AsObject();
        var summary = TrialStatus.Read(trial);
        Assert.Equal("Failed", summary.State);
        Assert.Equal("TrialFailed: loss is NaN", summary.Reason);
        Assert.Equal([new("lr", "0.01"), new("optimizer", "adam")], summary.Parameters);
        Assert.Equal("Trial t-1: lr=0.01, optimizer=adam -> accuracy=0.5 (Failed: TrialFailed: loss is NaN)", TrialStatus.Describe(summary));

        var experiment = JsonNode.Parse("""
            {"status":{"currentOptimalTrial":{"bestTrialName":"t-2","parameterAssignments":[{"name":"optimizer","value":"sgd"},{"name":"lr","value":"0.02"}],
             "observation":{"metrics":[{"name":"accuracy","latest":"0.97"}]}}}}
            """)!.AsObject();
        var best = TrialStatus.Best(experiment)!;
        Assert.Equal("t-2", best.Name);
        Assert.Equal(0.97, TrialStatus.Metric(best, "accuracy"));
        Assert.Null(TrialStatus.Best(JsonNode.Parse("""{"status":{"currentOptimalTrial":{"bestTrialName":""}}}""")!.AsObject()));

        // Search-parameter order, not Katib's.
        Assert.Equal(["lr", "optimizer"], TuningStep.BestHyperparameters(Model(), best).Select(h => h.Key));
    }

    [Fact]
    public void The_hyperparameters_file_replaces_the_projects_items_and_escapes_msbuild_syntax()
    {
        var best = new TrialSummary("t-2", "Succeeded", [new("lr", "0.02")], [new("accuracy", "0.97")]);
        var props = XDocument.Parse(HyperparametersFile.Props("exp", best, [new("lr", "0.02"), new("tag", "a;b%$(x)")]));

        var items = props.Root!.Element("ItemGroup")!.Elements("KaptainHyperparameter").ToList();
        Assert.Equal(["Remove=lr", "Include=lr", "Remove=tag", "Include=tag"], items.Select(i => $"{i.Attributes().First().Name}={i.Attributes().First().Value}"));
        Assert.Equal("a%3Bb%25%24(x)", items[3].Attribute("Value")!.Value);
    }

    [Fact]
    public void The_log_sink_keeps_a_tail()
    {
        var log = new RecordingLog();
        var sink = new StepLogSink(log);
        for (var i = 0; i < 30; i++)
        {
            sink.WriteLine(new PodLogLine("build-pod", "kaniko", $"line {i}"));
        }

        Assert.Equal(20, sink.Tail.Count);
        Assert.Equal("[build-pod] line 29", sink.Tail[^1]);
        Assert.Equal(30, log.Lines.Count);
    }

    [Fact]
    public void The_builders_digest_is_its_termination_message_when_it_ended_well()
    {
        var digest = "sha256:" + new string('a', 64);
        JsonObject Pod(string container, int exitCode, string message) => new()
        {
            ["status"] = new JsonObject
            {
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = container,
                    ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["message"] = message } },
                }),
            },
        };

        Assert.Equal(digest, BuilderDigest.FromPod(Pod("kaniko", 0, digest + "\n")));
        Assert.Null(BuilderDigest.FromPod(Pod("kaniko", 1, digest)));
        Assert.Null(BuilderDigest.FromPod(Pod("sidecar", 0, digest)));
        Assert.Null(BuilderDigest.FromPod(Pod("kaniko", 0, "error building image")));
        Assert.Null(BuilderDigest.FromPod(new JsonObject { ["status"] = new JsonObject() }));
    }

    [Fact]
    public async Task The_archive_holds_the_context_files_and_the_Dockerfile_in_path_order()
    {
        using var project = new TestModelProject();
        var context = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);

        var paths = BuildImageStep.ArchiveEntries(context).Select(e => e.RelativePath).ToList();

        Assert.Equal(["Dockerfile", "requirements.txt", "train.py"], paths);
    }

    [Fact]
    public void The_sweep_removes_owners_before_what_they_own()
    {
        var ordered = CleanupStep.SweepOrder([Ref(ResourceKinds.Secret, "s"), Ref(ResourceKinds.Pod, "p"), Ref(ResourceKinds.Experiment, "e"), Ref(ResourceKinds.Job, "j")]);

        Assert.Equal(["Experiment", "Job", "Pod", "Secret"], ordered.Select(r => r.Kind));
    }
}
