using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Core.Tests.Lifecycle;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using ShippedRoles = Kaptain.Testing.ShippedRoles;
using Kaptain.Testing.ControlPlane;

namespace Kaptain.Build.Core.Tests.Rbac;

/// <summary>
/// The other way round from the lifecycle under the shipped Roles: for every verb of every rule of a step's Role in
/// <c>samples/rbac/kaptain-build-role.yaml</c>, the step runs as a ServiceAccount bound to that Role alone with that
/// one verb taken out of that one rule, and must show the code that says what is missing (the stand-in enforces RBAC
/// as kube-apiserver does; its 403 text is checked against the real one by the API conformance suite). One test per
/// step, its variants side by side, each in a namespace of its own; what a variant shows beyond what the whole Role
/// shows on the same path (a failing training's KAPT1103) is its finding. One abstract test, two servers: the stand-in
/// (<see cref="StandInShippedRoleVerbTests"/>, every verb) and upstream kube-apiserver v1.20.2 with RBAC
/// (<see cref="RealControlPlaneShippedRoleVerbTests"/>, a subset), whose 403s and their text are the real ones.
/// </summary>
public abstract class ShippedRoleVerbTests
{
    /// <summary>At most this many variants of one step at a time, on a 2-core machine shared with the other suites.</summary>
    private const int Parallel = 4;

    // role | rule (its resources) | verb -> the codes the step shows without it (beyond the whole Role's), as measured.
    // Every verb of the shipped Roles is here or in ShowsNothing (a verb added to the file without an entry fails).
    // KAPT1008: the request refused, named; KAPT4001: a delete refused in the cleanup; KAPT4004: the sweep could not
    // list a kind; KAPT4022: earlier runs' credentials could not be looked for; KAPT5001/KAPT5031: warnings of the step
    // (nothing to undeploy, the namespace's label); KAPT5070: a side request refused, the step going on without it (log
    // lines, Events, the trial and predictor pod watches, Knative revisions); KAPT5071: the wait until a deleted object
    // is gone may not list (or watch) its kind and confirms with gets instead.
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["kaptain-build-image | jobs (batch) | create"] = "KAPT1008",
        ["kaptain-build-image | jobs (batch) | delete"] = "KAPT4001",
        // The wait for the build Job (refused: KAPT1008), and the wait until it is gone after its delete (KAPT5071).
        ["kaptain-build-image | jobs (batch) | list"] = "KAPT1008,KAPT5071",
        ["kaptain-build-image | jobs (batch) | watch"] = "KAPT1008",
        // The builder's pods: the log streamer's watch (KAPT5070) and the digest from Kaniko's termination message.
        ["kaptain-build-image | pods (core) | list"] = "KAPT1008,KAPT5070",
        ["kaptain-build-image | pods (core) | watch"] = "KAPT5070",
        ["kaptain-build-image | pods/log (core) | get"] = "KAPT5070",
        ["kaptain-build-image | secrets (core) | create"] = "KAPT1008",
        ["kaptain-build-image | secrets (core) | delete"] = "KAPT4001",
        ["kaptain-build-image | secrets (core) | list"] = "KAPT5071",
        ["kaptain-cleanup | inferenceservices (serving.kserve.io,serving.kubeflow.org) | get"] = "KAPT1008",
        ["kaptain-cleanup | inferenceservices (serving.kserve.io,serving.kubeflow.org) | list"] = "KAPT4004",
        ["kaptain-cleanup | jobs (batch) | list"] = "KAPT4004",
        ["kaptain-cleanup | revisions (serving.knative.dev) | list"] = "KAPT4004",
        // The kept failed job's training S3 Secret and its pods are the run's own: the sweep deletes them.
        ["kaptain-cleanup | secrets,serviceaccounts,pods (core) | delete"] = "KAPT4001",
        ["kaptain-cleanup | secrets,serviceaccounts,pods (core) | list"] = "KAPT4004",
        ["kaptain-cleanup | tfjobs,pytorchjobs,experiments,trials (kubeflow.org) | delete"] = "KAPT4001",
        ["kaptain-cleanup | tfjobs,pytorchjobs,experiments,trials (kubeflow.org) | list"] = "KAPT4004",
        ["kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | create"] = "KAPT1008,KAPT5001",
        ["kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | delete"] = "KAPT4001",
        ["kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | get"] = "KAPT1008",
        // Publish's wait for Ready (KAPT1008), undeploy's wait until the service is gone (KAPT5071).
        ["kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | list"] = "KAPT1008,KAPT5001,KAPT5071",
        ["kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | update"] = "KAPT1008",
        ["kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | watch"] = "KAPT1008,KAPT5001",
        // The predictor pods: one KAPT5070 for the refusal, which PredictorPodWatch (waiting reasons while publish waits)
        // and the stability check after Ready both meet; it says that neither is checked (no KAPT5060 beside it).
        ["kaptain-publish | pods (core) | list"] = "KAPT5070",
        ["kaptain-publish | pods (core) | watch"] = "KAPT5070",
        // KaptainRevisionsToKeep=1: the second replace removes the first revision.
        ["kaptain-publish | revisions (serving.knative.dev) | delete"] = "KAPT5070",
        ["kaptain-publish | revisions (serving.knative.dev) | list"] = "KAPT5070",
        ["kaptain-publish | secrets (core) | create"] = "KAPT1008,KAPT5001",
        ["kaptain-publish | secrets (core) | delete"] = "KAPT4001",
        ["kaptain-publish | secrets (core) | list"] = "KAPT1008,KAPT4022",
        // The S3 Secret is made a dependent of the InferenceService by a patch (ownerReference).
        ["kaptain-publish | secrets (core) | patch"] = "KAPT1008,KAPT5001",
        ["kaptain-publish | serviceaccounts (core) | create"] = "KAPT1008,KAPT5001",
        ["kaptain-publish | serviceaccounts (core) | delete"] = "KAPT4001",
        ["kaptain-publish | serviceaccounts (core) | list"] = "KAPT1008,KAPT4022",
        // The failing training's message quotes the Events of the job and its pods.
        ["kaptain-train | events (core) | list"] = "KAPT5070",
        ["kaptain-train | pods (core) | list"] = "KAPT5070",
        ["kaptain-train | pods (core) | watch"] = "KAPT5070",
        ["kaptain-train | pods/log (core) | get"] = "KAPT5070",
        ["kaptain-train | secrets (core) | create"] = "KAPT1008",
        ["kaptain-train | secrets (core) | delete"] = "KAPT4001",
        // The training S3 Secret is made a dependent of the job by a patch (ownerReference).
        ["kaptain-train | secrets (core) | patch"] = "KAPT1008",
        ["kaptain-train | tfjobs,pytorchjobs (kubeflow.org) | create"] = "KAPT1008",
        ["kaptain-train | tfjobs,pytorchjobs (kubeflow.org) | delete"] = "KAPT4001",
        // Without list the job's removal is followed with get; on the real server its foreground deletion (the garbage
        // collector removing the pods, which the kubelet ends gracefully) can outlast that wait under load (KAPT4023).
        ["kaptain-train | tfjobs,pytorchjobs (kubeflow.org) | list"] = "KAPT1008,KAPT4023?,KAPT5071",
        ["kaptain-train | tfjobs,pytorchjobs (kubeflow.org) | watch"] = "KAPT1008",
        ["kaptain-tune | experiments (kubeflow.org) | create"] = "KAPT1008",
        // KaptainDeleteExperiment=true: the experiment and its S3 Secret go when the tune ends.
        ["kaptain-tune | experiments (kubeflow.org) | delete"] = "KAPT4001",
        // Without list the wait for the deleted experiment falls back to gets (KAPT5071); on kube-apiserver its
        // foreground deletion (the garbage collector removing the trials first) can outlast that wait (KAPT4023).
        ["kaptain-tune | experiments (kubeflow.org) | list"] = "KAPT1008,KAPT4023?,KAPT5071",
        ["kaptain-tune | experiments (kubeflow.org) | watch"] = "KAPT1008",
        ["kaptain-tune | namespaces (core) | get"] = "KAPT5031",
        ["kaptain-tune | secrets (core) | create"] = "KAPT1008",
        ["kaptain-tune | secrets (core) | delete"] = "KAPT4001",
        ["kaptain-tune | secrets (core) | patch"] = "KAPT1008",
        // The trial watch (KAPT5070) and the trial table at the end (KAPT1008).
        ["kaptain-tune | trials (kubeflow.org) | list"] = "KAPT1008,KAPT5070",
        ["kaptain-tune | trials (kubeflow.org) | watch"] = "KAPT5070",
    };

    // The verbs whose absence the step does not show on the paths run here, and why.
    // Redundant (watch): the wait until a deleted object is gone lists it first and watches only what that list still
    // shows; a Secret or ServiceAccount (no finalizers), and whatever the sweep deletes here, is gone by then. The
    // watch is for an object still there (another's finalizer, a foreground delete's dependents); without it the wait
    // falls back to gets (KAPT5071, as the list variants show).
    // Redundant (get): the step reads one object by name only on paths a healthy run does not take: the last read of a
    // wait that timed out, the read after a watch that keeps ending (StepWatch), a create's read-back after a lost answer
    // (KAPT1011), a delete refused for another uid (KAPT4010), the deletion check when list or watch is refused, and (the
    // sweep) killed runs' journal entries.
    // NotOnPath: the path that needs the verb is not run here, named in each entry.
    private static readonly Dictionary<string, Absence> ShowsNothing = new(StringComparer.Ordinal)
    {
        // Read for a failed build's message only; the same StepEvents code is shown needed by the failing training.
        ["kaptain-build-image | events (core) | list"] = Absence.NotOnPath,
        ["kaptain-build-image | jobs (batch) | get"] = Absence.Redundant,
        ["kaptain-build-image | secrets (core) | get"] = Absence.Redundant,
        ["kaptain-build-image | secrets (core) | watch"] = Absence.Redundant,
        // The sweep finds a failed PyTorchJob and its pods here, no InferenceService, Job or Revision.
        ["kaptain-cleanup | inferenceservices (serving.kserve.io,serving.kubeflow.org) | delete"] = Absence.NotOnPath,
        ["kaptain-cleanup | inferenceservices (serving.kserve.io,serving.kubeflow.org) | watch"] = Absence.Redundant,
        ["kaptain-cleanup | jobs (batch) | delete"] = Absence.NotOnPath,
        ["kaptain-cleanup | jobs (batch) | get"] = Absence.Redundant,
        ["kaptain-cleanup | jobs (batch) | watch"] = Absence.Redundant,
        ["kaptain-cleanup | revisions (serving.knative.dev) | delete"] = Absence.NotOnPath,
        ["kaptain-cleanup | revisions (serving.knative.dev) | get"] = Absence.Redundant,
        ["kaptain-cleanup | revisions (serving.knative.dev) | watch"] = Absence.Redundant,
        ["kaptain-cleanup | secrets,serviceaccounts,pods (core) | get"] = Absence.Redundant,
        ["kaptain-cleanup | secrets,serviceaccounts,pods (core) | watch"] = Absence.Redundant,
        ["kaptain-cleanup | tfjobs,pytorchjobs,experiments,trials (kubeflow.org) | get"] = Absence.Redundant,
        ["kaptain-cleanup | tfjobs,pytorchjobs,experiments,trials (kubeflow.org) | watch"] = Absence.Redundant,
        // Read when a predictor container waits (ImagePullBackOff, CrashLoopBackOff) or publish fails; these publish.
        ["kaptain-publish | events (core) | list"] = Absence.NotOnPath,
        // The Deployment wait of a RawDeployment replace; these publish Serverless.
        ["kaptain-publish | deployments (apps) | get"] = Absence.NotOnPath,
        ["kaptain-publish | deployments (apps) | list"] = Absence.NotOnPath,
        ["kaptain-publish | deployments (apps) | watch"] = Absence.NotOnPath,
        ["kaptain-publish | secrets (core) | get"] = Absence.Redundant,
        ["kaptain-publish | secrets (core) | watch"] = Absence.Redundant,
        ["kaptain-publish | serviceaccounts (core) | get"] = Absence.Redundant,
        ["kaptain-publish | serviceaccounts (core) | watch"] = Absence.Redundant,
        ["kaptain-train | secrets (core) | get"] = Absence.Redundant,
        // The training S3 Secret goes with its job (a dependent of it): the wait lists Secrets only for one deleted on
        // its own, when the job's create failed or the run was cancelled before it.
        ["kaptain-train | secrets (core) | list"] = Absence.NotOnPath,
        ["kaptain-train | secrets (core) | watch"] = Absence.Redundant,
        ["kaptain-train | tfjobs,pytorchjobs (kubeflow.org) | get"] = Absence.Redundant,
        ["kaptain-tune | experiments (kubeflow.org) | get"] = Absence.Redundant,
        ["kaptain-tune | secrets (core) | get"] = Absence.Redundant,
        // As for training: the trials' S3 Secret goes with its experiment.
        ["kaptain-tune | secrets (core) | list"] = Absence.NotOnPath,
        ["kaptain-tune | secrets (core) | watch"] = Absence.Redundant,
    };

    private enum Absence
    {
        Redundant,
        NotOnPath,
    }

    private protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The API server the steps run against (the stand-in, or kube-apiserver).</summary>
    private protected abstract ApiServerUnderTest Api { get; }

    /// <summary>The object store of the servers.</summary>
    private protected abstract Kaptain.Testing.S3Server S3 { get; }

    /// <summary>A project on these servers, its namespace created (as the admin).</summary>
    private protected abstract Task<LifecycleProject> NewProjectAsync(string name);

    /// <summary>Whether the variant <paramref name="key"/> runs on these servers (the whole Role's baseline always does).</summary>
    private protected virtual bool Runs(string key) => true;

    /// <summary>Whether <paramref name="key"/> is one of the table's entries with a code (not one that shows nothing).</summary>
    private protected static bool ShowsACode(string key, string code) => Expected.TryGetValue(key, out var codes) && codes.Contains(code, StringComparison.Ordinal);

    public static TheoryData<string> Roles => new("kaptain-build-image", "kaptain-train", "kaptain-tune", "kaptain-publish", "kaptain-cleanup");

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Without_any_one_verb_of_its_Role_the_step_shows_the_code_that_names_it(string role)
    {
        var image = role is "kaptain-build-image" or "kaptain-cleanup" ? null : await ImageAsync();
        // The step's own Role only, as the file says to bind them ("bind the ones you use"): another step's Role grants
        // some of the same verbs (the cleanup's delete, list, watch and get), which would hide a missing one.
        JsonObject[] Shipped() => [ShippedRoles.Load().Single(r => Name(r) == role)];
        var shipped = Shipped();
        var rules = shipped[0]["rules"]!.AsArray();
        var variants = new List<(string Key, IReadOnlyList<JsonObject> Roles)>();
        for (var i = 0; i < rules.Count; i++)
        {
            foreach (var verb in rules[i]!["verbs"]!.AsArray().Select(v => v!.GetValue<string>()))
            {
                var reduced = Shipped();
                var rule = reduced[0]["rules"]!.AsArray()[i]!.AsObject();
                var verbs = rule["verbs"]!.AsArray();
                verbs.Remove(verbs.Single(v => v!.GetValue<string>() == verb));
                if (verbs.Count == 0)
                {
                    // A rule without verbs is invalid (kube-apiserver: 422 "verbs must contain at least one value"):
                    // the Role without that verb has no such rule.
                    reduced[0]["rules"]!.AsArray().Remove(rule);
                }

                var key = $"{role} | {Resources(rule)} | {verb}";
                if (Runs(key))
                {
                    variants.Add((key, reduced));
                }
            }
        }

        Assert.NotEmpty(variants);
        using var slots = new SemaphoreSlim(Parallel);
        async Task<IReadOnlySet<string>> Observe(IReadOnlyList<JsonObject> roles)
        {
            await slots.WaitAsync(Token);
            try
            {
                return await RunAsync(role, roles, image);
            }
            finally
            {
                slots.Release();
            }
        }

        var baselineTask = Observe(shipped);
        var observations = variants.Select(v => (v.Key, Codes: Observe(v.Roles))).ToList();
        var baseline = await baselineTask;
        var findings = new List<string>();
        var failures = new List<string>();
        foreach (var (key, codes) in observations)
        {
            var found = string.Join(",", (await codes).Except(baseline).Order(StringComparer.Ordinal));
            findings.Add($"[\"{key}\"] = \"{found}\",");
            if (Expected.TryGetValue(key, out var expected))
            {
                // "CODE?": that code may show or not, as the step's timing reaches that request or not.
                if (!Matches(expected, found))
                {
                    failures.Add($"{key}: expected [{expected}], shows [{found}]");
                }
            }
            else if (ShowsNothing.TryGetValue(key, out var absence))
            {
                if (found.Length > 0)
                {
                    failures.Add($"{key}: listed as showing nothing ({absence}), shows [{found}]");
                }
            }
            else
            {
                failures.Add($"{key}: no expectation (shows [{found}])");
            }
        }

        Assert.True(failures.Count == 0, $"With the whole Role the step shows [{string.Join(",", baseline.Order(StringComparer.Ordinal))}]. Without one verb:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}{Environment.NewLine}All findings:{Environment.NewLine}{string.Join(Environment.NewLine, findings)}");
    }

    [Fact]
    public async Task A_failed_build_whose_log_cannot_be_streamed_reports_Kanikos_error_from_its_termination_message()
    {
        using var project = await NewProjectAsync("v-buildfail");
        const string RunId = "f00dface01";
        var model = project.Model();
        var context = await Kaptain.Build.Context.BuildContextBuilder.CreateBaseAsync(model, Token);
        var key = Kaptain.Build.Manifests.RunContext.ContextObjectKeyFor(model, context, RunId);

        // The build-image Role without its pods/log rule: the builder's log cannot be streamed (KAPT5070).
        var roles = new[] { ShippedRoles.Load().Single(r => Name(r) == "kaptain-build-image") };
        var rules = roles[0]["rules"]!.AsArray();
        rules.Remove(rules.Single(r => Resources(r!.AsObject()) == "pods/log (core)"));
        var account = await Api.ServiceAccountAsync(project.Namespace, ShippedRoles.AccountName, roles, Token);
        project.Properties[ModelProperties.Kubeconfig] = project.Write("account-kubeconfig", account.KubeconfigYaml);

        // The context Kaniko would read is gone by the time its pod starts: it prints its error line and exits 1.
        project.Log.When(line => line.StartsWith("Created Job ", StringComparison.Ordinal), _ =>
        {
            using var http = new HttpClient();
            using var response = http.Send(new HttpRequestMessage(HttpMethod.Delete, new Uri(S3.Endpoint, $"{model.Storage.Bucket}/{key}")));
            Assert.True(response.IsSuccessStatusCode, $"s3rver answered {(int)response.StatusCode} to the DELETE");
        });

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), Token));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.True(diagnostic.Code == "KAPT1101", diagnostic.ToString());
        Assert.Contains(project.Log.Warnings, w => w.Code == "KAPT5070" && w.Message.Contains("pods/log", StringComparison.Ordinal));
        var message = diagnostic.Message.ReplaceLineEndings("\n");
        Assert.Contains("The builder's last log lines:\n  (no log)\n", message, StringComparison.Ordinal);

        // How its pod ended: the kaniko container's reason, exit code and termination message (the log's tail, Kaniko's
        // error line last), though no log line was streamed.
        var ended = message[message.IndexOf("How its pods ended:\n", StringComparison.Ordinal)..message.IndexOf("\nEvents:\n", StringComparison.Ordinal)];
        Assert.Matches($"^How its pods ended:\n  pod {project.Name}-build-[^\n]+: Failed\n    container kaniko terminated: Error, exit code 1\n    its termination message:\n", ended);
        Assert.Contains("      INFO[", ended, StringComparison.Ordinal);
        Assert.StartsWith("      Error: error resolving source context: ", ended.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
    }

    // The step of the Role, on its paths, as a ServiceAccount bound to roles; the codes it showed (errors and warnings).
    private async Task<IReadOnlySet<string>> RunAsync(string role, IReadOnlyList<JsonObject> roles, ImageReference? image)
    {
        using var project = await NewProjectAsync(role.Replace("kaptain-", "v-", StringComparison.Ordinal));
        project.Properties[ModelProperties.Trials] = "2";
        project.Properties[ModelProperties.ParallelTrials] = "2";
        project.Properties[ModelProperties.FailedTrials] = "1";
        project.Properties[ModelProperties.ObjectiveType] = "maximize";
        var codes = new HashSet<string>(StringComparer.Ordinal);
        async Task Step(Func<LifecycleOptions, Task> run, RecordingLog log)
        {
            try
            {
                await run(project.Options(image, log: log));
            }
            catch (KaptainException exception)
            {
                codes.UnionWith(exception.Diagnostics.Select(d => d.Code));
            }

            codes.UnionWith(log.Errors.Concat(log.Warnings).Select(d => d.Code));
        }

        if (role == "kaptain-cleanup")
        {
            // What the sweep is for: a failed training kept on purpose (made as the admin), then KaptainCleanup.
            project.Scenario("fail after=200ms; reason=Error; message=\"kept\"");
            project.Properties[ModelProperties.KeepFailedResources] = "true";
            var built = await KaptainLifecycle.BuildImageAsync(project.Options(), Token);
            await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.TrainAsync(project.Options(built.Image), Token));
        }

        var account = await Api.ServiceAccountAsync(project.Namespace, ShippedRoles.AccountName, roles, Token);
        project.Properties[ModelProperties.Kubeconfig] = project.Write("account-kubeconfig", account.KubeconfigYaml);
        switch (role)
        {
            case "kaptain-build-image":
                await Step(o => KaptainLifecycle.BuildImageAsync(o, Token), new RecordingLog());
                break;
            case "kaptain-train":
                project.Scenario("succeed after=200ms; log=\"epoch 1\"");
                await Step(o => KaptainLifecycle.TrainAsync(o, Token), new RecordingLog());
                project.Items.RemoveAll(item => item.ItemSpec == "LOCAL_CLUSTER_SCENARIO");
                project.Scenario("fail after=200ms; reason=OOMKilled; message=\"out of memory\"");
                await Step(o => KaptainLifecycle.TrainAsync(o, Token), new RecordingLog());
                break;
            case "kaptain-tune":
                project.Scenario("succeed after=200ms; metric accuracy=\"1-abs(lr-0.01)\"");
                await Step(o => KaptainLifecycle.TuneAsync(o, Token), new RecordingLog());
                // A tune whose experiment goes when it ends (KaptainDeleteExperiment): the experiment's and its S3
                // Secret's delete, and the wait until they are gone.
                project.Properties[ModelProperties.DeleteExperiment] = "true";
                await Step(o => KaptainLifecycle.TuneAsync(o, Token), new RecordingLog());
                break;
            case "kaptain-publish":
                // A model in the layout the PyTorch predictor loads (TorchServe's model store): the predictor pod's
                // storage initializer checks it, and a bare model.pt keeps the pod in Init:CrashLoopBackOff.
                await project.PutServableModelAsync(Token);
                // Each replace makes a Knative Revision; keeping one earlier revision, the second replace removes the
                // first (list + delete of revisions).
                project.Properties[ModelProperties.RevisionsToKeep] = "1";
                await Step(o => KaptainLifecycle.PublishAsync(o, Token), new RecordingLog());
                project.Properties[ModelProperties.Replace] = "true";
                await Step(o => KaptainLifecycle.PublishAsync(o, Token), new RecordingLog());
                await Step(o => KaptainLifecycle.PublishAsync(o, Token), new RecordingLog());
                await Step(o => KaptainLifecycle.UndeployAsync(o, Token), new RecordingLog());
                break;
            case "kaptain-cleanup":
                await Step(o => KaptainLifecycle.CleanupAsync(o, Token), new RecordingLog());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, null);
        }

        return codes;
    }

    // One image for the steps that need one, built as the admin.
    private async Task<ImageReference> ImageAsync()
    {
        using var project = await NewProjectAsync("v-image");
        return (await KaptainLifecycle.BuildImageAsync(project.Options(), Token)).Image;
    }

    private static bool Matches(string expected, string found)
    {
        var codes = expected.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var required = codes.Where(c => !c.EndsWith('?')).ToHashSet(StringComparer.Ordinal);
        var allowed = codes.Select(c => c.TrimEnd('?')).ToHashSet(StringComparer.Ordinal);
        var shown = found.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return required.IsSubsetOf(shown) && shown.IsSubsetOf(allowed);
    }

    private static string Name(JsonObject role) => role["metadata"]!["name"]!.GetValue<string>();

    private static string Resources(JsonObject rule) =>
        $"{string.Join(",", rule["resources"]!.AsArray().Select(r => r!.GetValue<string>()))} ({string.Join(",", rule["apiGroups"]!.AsArray().Select(g => g!.GetValue<string>() is { Length: > 0 } group ? group : "core"))})";
}
