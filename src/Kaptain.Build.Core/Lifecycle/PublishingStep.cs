using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The publish step: the S3 Secret, the ServiceAccount that references it and the InferenceService named after the
/// model; an existing one is replaced only when asked. Waits (by watch) until it serves the version just applied (see
/// <see cref="IsReady"/> and <see cref="IsRolledOut"/>), failing fast on a terminal reason or a crash-looping predictor
/// pod and reporting the pods' waiting reasons meanwhile (<see cref="PredictorPodWatch"/>), checks that the new pods stay
/// up for a while (<see cref="PredictorStability"/>), then removes what earlier
/// publish runs left and Knative Revisions beyond the number to keep. The S3 Secret stays as long as the
/// InferenceService (which owns it): KServe's pod webhook gives every predictor pod's storage-initializer the
/// credentials by <c>secretKeyRef</c> (kserve/kserve <c>pkg/credentials/s3/s3_secret.go</c>), so a pod started later
/// (scale from zero, scale-up, rescheduling) needs it; the Kaptain SDK removes it at Ready, which breaks those pods.
/// </summary>
internal static class PublishingStep
{
    /// <summary>The label KServe puts on an InferenceService's Knative Revisions and pods.</summary>
    public const string InferenceServiceLabel = "serving.kserve.io/inferenceservice";

    public static async Task<PublishResult> RunAsync(LifecycleOptions options, CancellationToken cancellationToken)
    {
        await using var run = LifecycleRun.Begin(options, LifecycleStep.Publish.LabelValue());
        var model = run.Model;
        var kind = InferenceServiceKind(model.Publish);
        var replaced = false;
        return await run.ExecuteAsync(
            async () =>
            {
                await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var name = model.Name;
                run.Report.Set("inferenceService", name);
                var existing = await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false);
                var previousRevision = existing is null ? null : KubernetesObjectJson.StringAt(existing, "status.components.predictor.latestCreatedRevision");
                if (existing is not null)
                {
                    // Replacing another model's service (same Kubernetes name, other model id) would take its
                    // deployment: refused whatever KaptainReplace says.
                    ModelIdentity.EnsureOwn(existing, model, kind, run.Namespace);
                }

                if (existing is not null && !model.Publish.Replace)
                {
                    throw new KaptainException(KaptainDiagnostic.Error(
                        "KAPT1107", name, name, run.Namespace, KubernetesObjectJson.Label(existing, ManifestLabels.Run) ?? "(unknown)"));
                }

                // What was there before this run: the replaced version's revision, its RawDeployment generation and its
                // pods. KServe's status.observedGeneration is the child's, not the InferenceService's, so the new
                // version is recognised by these instead.
                var raw = model.Publish.DeploymentMode == DeploymentMode.RawDeployment;
                var deploymentBefore = existing is not null && raw ? await DeploymentGenerationAsync(run, name, cancellationToken).ConfigureAwait(false) : null;
                var earlierPods = existing is null
                    ? new HashSet<string>(StringComparer.Ordinal)
                    : await PredictorPodWatch.CurrentPodsAsync(run, name, cancellationToken).ConfigureAwait(false);

                var secrets = await StepCredentials.ForPublishAsync(run, cancellationToken).ConfigureAwait(false);
                var runContext = await StepInputs.RunContextAsync(run, cancellationToken).ConfigureAwait(false);
                var resources = ManifestRenderer.Render(model, LifecycleStep.Publish, runContext with { Secrets = secrets }).Resources;
                foreach (var resource in resources.Where(r => r.Kind != InferenceServiceManifest.Kind))
                {
                    await run.CreateAsync(resource, cancellationToken).ConfigureAwait(false);
                }

                await using var pods = PredictorPodWatch.Start(run, name, earlierPods, cancellationToken);
                var service = resources.OfType<CustomResource>().Single(r => r.Kind == InferenceServiceManifest.Kind);
                var secret = resources.OfType<k8s.Models.V1Secret>().Single();
                if (existing is null)
                {
                    var created = await run.CreateAsync(service, cancellationToken).ConfigureAwait(false);
                    await SecretOwnership.SetOwnerAsync(run, secret.Metadata.Name, created, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Replaced in place: the uid stays, and the new Secret is the service's from now on.
                    await SecretOwnership.SetOwnerAsync(run, secret.Metadata.Name, existing, cancellationToken).ConfigureAwait(false);
                    await ReplaceAsync(run, kind, service, existing, cancellationToken).ConfigureAwait(false);
                    replaced = true;
                    run.Report.Set("replaced", true);
                    run.Log.Info($"Replaced InferenceService {name} (KaptainReplace)");
                }

                var ready = await WaitUntilServingAsync(run, kind, name, previousRevision, raw && existing is not null, deploymentBefore, pods, cancellationToken).ConfigureAwait(false);
                var url = Url(ready);
                var revision = KubernetesObjectJson.StringAt(ready, "status.components.predictor.latestReadyRevision");
                // Ready says the new pods were ready once; they must also stay up (kserve#1859): KAPT1055 otherwise.
                await PredictorStability.EnsureStableAsync(run, name, raw ? null : revision, earlierPods, cancellationToken).ConfigureAwait(false);
                run.Report.Set("state", "Ready");
                run.Report.Set("url", url);
                run.Report.Set("revision", revision);

                // Ready: the InferenceService, its ServiceAccount and its S3 Secret stay (pods started later read it).
                await run.CleanUpAsync(RunOutcome.Succeeded, SuccessPolicy(kind)).ConfigureAwait(false);
                await RemoveEarlierPublishRunsAsync(run).ConfigureAwait(false);
                var pruned = await PruneRevisionsAsync(run, name, revision, TrafficRevisions(ready), cancellationToken).ConfigureAwait(false);
                run.Log.Info($"InferenceService {name} is ready at {url}" + (revision is null ? string.Empty : $" (revision {revision})"));
                StepSummary.Report(run, "InferenceService", name, $"ready at {url}", kept: true, removal: "with 'dotnet build -t:KaptainUndeploy'");
                return new PublishResult
                {
                    InferenceServiceName = name,
                    Url = url,
                    Revision = revision,
                    Replaced = replaced,
                    RevisionsRemoved = pruned,
                };
            },
            () => FailurePolicy(model, kind, replaced),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The InferenceService kind of the model's serving API group.</summary>
    public static ResourceKind InferenceServiceKind(PublishSettings publish) =>
        publish.ApiGroup == PublishSettings.LegacyApiGroup ? ResourceKinds.KfServingInferenceService : ResourceKinds.InferenceService;

    /// <summary>
    /// Whether the InferenceService is ready for its current spec: <c>Ready</c> is true and, after a replace of a service
    /// that had revisions, a newer revision than <paramref name="previousRevision"/> is created and is the ready one
    /// (until then the old revision's readiness still shows). <c>status.observedGeneration</c> is not read: KServe copies
    /// the Knative Service's or Deployment's observedGeneration there, not the InferenceService's
    /// (kserve/kserve pkg/apis/serving/v1beta1/inference_service_status.go, PropagateStatus and PropagateRawStatus).
    /// </summary>
    public static bool IsReady(JsonObject service, string? previousRevision = null)
    {
        if (!KubernetesObjectJson.HasTrueCondition(service, "Ready"))
        {
            return false;
        }

        if (previousRevision is null)
        {
            return true;
        }

        var created = KubernetesObjectJson.StringAt(service, "status.components.predictor.latestCreatedRevision");
        var ready = KubernetesObjectJson.StringAt(service, "status.components.predictor.latestReadyRevision");
        return created is not null && created != previousRevision && ready == created;
    }

    /// <summary>
    /// Why the InferenceService has failed for good, or null while it may still become ready: <c>Ready=False</c> with
    /// Knative's <c>RevisionFailed</c> (the latest revision's container exited, its image cannot be pulled...) or the
    /// Deployment's <c>ProgressDeadlineExceeded</c>, or a spec KServe rejects (<c>modelStatus.transitionStatus:
    /// InvalidSpec</c>). After a replace (<paramref name="previousRevision"/> set) a failure counts only once KServe
    /// reports a revision newer than the replaced one: the old status may still show.
    /// </summary>
    public static string? Terminal(JsonObject service, string? previousRevision = null)
    {
        if (!ReportsNewRevision(service, previousRevision))
        {
            return null;
        }

        if (KubernetesObjectJson.StringAt(service, "status.modelStatus.transitionStatus") == "InvalidSpec")
        {
            return "InvalidSpec: " + (KubernetesObjectJson.StringAt(service, "status.modelStatus.lastFailureInfo.message") ?? "KServe rejected the predictor spec");
        }

        var ready = KubernetesObjectJson.Condition(service, "Ready");
        if (ready is null || LifecycleText.Text(ready["status"]) != "False")
        {
            return null;
        }

        var reason = LifecycleText.Text(ready["reason"]);
        // Knative fails a Revision whose storage initializer crash-loops with the user container's waiting reason,
        // PodInitializing, which has no message ("Revision ... failed with message: ."): KServe's model status says why.
        return !TerminalReasons.Contains(reason) ? null
            : ModelLoadFailure(service, previousRevision) is { } model ? $"{LifecycleText.Condition(ready)}; KServe's model status: {model}"
            : LifecycleText.Condition(ready);
    }

    /// <summary>
    /// The failed model load KServe reports in <c>status.modelStatus</c>, or null: <c>transitionStatus:
    /// BlockedByFailedLoad</c> with <c>lastFailureInfo.reason: ModelLoadFailed</c>, which KServe's
    /// <c>PropagateModelStatus</c> (since v0.9, kserve#2088; kserve/kserve pkg/apis/serving/v1beta1/
    /// inference_service_status.go) writes from the first predictor pod of the latest created revision (RawDeployment:
    /// of the Deployment) when its storage-initializer, else its kserve-container, terminated with an error or is in
    /// CrashLoopBackOff, with that container's termination message and exit code. KServe reads the pods with its own
    /// rights, so this is known to a build that may not read pods. After a replace it counts only once a newer revision
    /// than <paramref name="previousRevision"/> is reported.
    /// </summary>
    public static string? ModelLoadFailure(JsonObject service, string? previousRevision = null)
    {
        if (!ReportsNewRevision(service, previousRevision)
            || KubernetesObjectJson.StringAt(service, "status.modelStatus.transitionStatus") != "BlockedByFailedLoad"
            || KubernetesObjectJson.StringAt(service, "status.modelStatus.lastFailureInfo.reason") != "ModelLoadFailed")
        {
            return null;
        }

        var info = service["status"]?["modelStatus"]?["lastFailureInfo"];
        var message = LifecycleText.Text(info?["message"]).Trim();
        var exitCode = LifecycleText.Number(info?["exitCode"]);
        return "ModelLoadFailed" + (exitCode is null ? string.Empty : $", exit code {exitCode}") + (message.Length == 0 ? " (no message)" : $": {message}");
    }

    // After a replace, what KServe reports is the new version's only once it names a revision newer than the replaced one.
    private static bool ReportsNewRevision(JsonObject service, string? previousRevision) =>
        previousRevision is null
        || KubernetesObjectJson.StringAt(service, "status.components.predictor.latestCreatedRevision") is { } created && created != previousRevision;

    /// <summary>
    /// Whether a RawDeployment predictor's Deployment has rolled out a generation newer than
    /// <paramref name="generationBefore"/>: the Deployment controller has seen it, all replicas run the new template and
    /// are available, and <c>Progressing</c> says <c>NewReplicaSetAvailable</c>. KServe's Ready right after an update
    /// still describes the old pods (it propagates the Deployment's conditions as they were).
    /// </summary>
    public static bool IsRolledOut(JsonObject deployment, long? generationBefore)
    {
        var generation = Long(deployment, "metadata.generation") ?? 0;
        if (generationBefore is { } before && generation <= before)
        {
            return false;
        }

        var replicas = Long(deployment, "spec.replicas") ?? 1;
        return Long(deployment, "status.observedGeneration") >= generation
            && Long(deployment, "status.updatedReplicas") >= replicas
            && Long(deployment, "status.availableReplicas") >= replicas
            && KubernetesObjectJson.Condition(deployment, "Progressing") is { } progressing
            && LifecycleText.Text(progressing["status"]) == "True"
            && LifecycleText.Text(progressing["reason"]) == "NewReplicaSetAvailable";

        static long? Long(JsonObject resource, string path)
        {
            JsonNode? current = resource;
            foreach (var part in path.Split('.'))
            {
                current = current?[part];
            }

            return LifecycleText.Number(current);
        }
    }

    private static readonly HashSet<string> TerminalReasons = new(StringComparer.Ordinal) { "RevisionFailed", "ProgressDeadlineExceeded" };

    /// <summary>The name of a RawDeployment predictor's Deployment.</summary>
    public static string PredictorDeployment(string name) => $"{name}-predictor";

    private static async Task<long?> DeploymentGenerationAsync(LifecycleRun run, string name, CancellationToken cancellationToken)
    {
        var deployment = await run.Client.GetAsync(ResourceKinds.Deployment, run.Namespace, PredictorDeployment(name), cancellationToken).ConfigureAwait(false);
        return deployment?["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var generation) ? generation : null;
    }

    /// <summary>
    /// Waits until the InferenceService serves the version just applied: Ready for the new revision (Serverless), and
    /// for a replaced RawDeployment also its Deployment rolled out past <paramref name="deploymentBefore"/>. Fails fast
    /// on a terminal reason (<c>KAPT1050</c>), on a crash-looping predictor pod of this rollout (<c>KAPT1051</c>) and,
    /// when the pods cannot be followed, on a failed model load in KServe's model status (<c>KAPT1056</c>);
    /// times out with <c>KAPT1108</c>.
    /// </summary>
    private static async Task<JsonObject> WaitUntilServingAsync(
        LifecycleRun run, ResourceKind kind, string name, string? previousRevision, bool rawReplace, long? deploymentBefore,
        PredictorPodWatch pods, CancellationToken cancellationToken)
    {
        var timeout = run.Model.Publish.Timeout;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan Left() => timeout - clock.Elapsed;
        var states = new StateReporter(run.Log, $"InferenceService {name}", ReadyState);
        try
        {
            // While the pods are followed, a crash loop there ends the wait (KAPT1051, with the pod's Events); when they
            // cannot be, KServe's model status does (KAPT1056): a storage initializer that fails would otherwise hold
            // a Serverless publish until Knative's progress deadline (600 s), a RawDeployment one until the timeout.
            var end = await StepWatch.WaitForAsync(
                run, kind, name, service => IsReady(service, previousRevision) || Terminal(service, previousRevision) is not null
                    || (!pods.Following && ModelLoadFailure(service, previousRevision) is not null),
                timeout, states.Report, pods.Failed.Token).ConfigureAwait(false);
            await ThrowUnlessSatisfiedAsync(run, kind, name, end, previousRevision, pods, cancellationToken).ConfigureAwait(false);
            if (!rawReplace)
            {
                return end.Resource!;
            }

            var rollout = await StepWatch.WaitForAsync(
                run, ResourceKinds.Deployment, PredictorDeployment(name), deployment => IsRolledOut(deployment, deploymentBefore),
                Left() > TimeSpan.Zero ? Left() : TimeSpan.Zero, null, pods.Failed.Token).ConfigureAwait(false);
            if (rollout.Outcome != ResourceWaitOutcome.Satisfied)
            {
                await ThrowUnlessSatisfiedAsync(run, kind, name, rollout with { Resource = await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false) }, null, pods, cancellationToken).ConfigureAwait(false);
            }

            run.Log.Detail($"Deployment {PredictorDeployment(name)} rolled out generation {rollout.Resource?["metadata"]?["generation"]}");
            end = await StepWatch.WaitForAsync(
                run, kind, name, service => IsReady(service) || Terminal(service) is not null,
                Left() > TimeSpan.Zero ? Left() : TimeSpan.Zero, states.Report, pods.Failed.Token).ConfigureAwait(false);
            await ThrowUnlessSatisfiedAsync(run, kind, name, end, null, pods, cancellationToken).ConfigureAwait(false);
            return end.Resource!;
        }
        catch (OperationCanceledException) when (pods.Failure is { } failure && !cancellationToken.IsCancellationRequested)
        {
            run.Report.Set("state", "Failed");
            throw new KaptainException(KaptainDiagnostic.Error("KAPT1051", name, name, failure, run.Namespace));
        }
    }

    private static async Task ThrowUnlessSatisfiedAsync(
        LifecycleRun run, ResourceKind kind, string name, ResourceWaitResult end, string? previousRevision, PredictorPodWatch pods,
        CancellationToken cancellationToken)
    {
        switch (end.Outcome)
        {
            case ResourceWaitOutcome.Deleted:
                throw new KaptainException(KaptainDiagnostic.Error("KAPT1109", name, kind.Kind, name, "publish"));
            case ResourceWaitOutcome.TimedOut:
                run.Report.Set("state", "TimedOut");
                throw new KaptainException(KaptainDiagnostic.Error(
                    "KAPT1108", name, name, LifecycleText.Duration(run.Model.Publish.Timeout), LifecycleText.Conditions(end.Resource),
                    await StepEvents.DescribeAsync(run, kind, name, $"{InferenceServiceLabel}={name}", cancellationToken).ConfigureAwait(false),
                    TimeoutAdvice(run, name, end.Resource, previousRevision, pods)));
        }

        if (end.Resource is not { } resource || IsReady(resource, previousRevision))
        {
            return;
        }

        if (Terminal(resource, previousRevision) is { } terminal)
        {
            run.Report.Set("state", "Failed");
            throw new KaptainException(KaptainDiagnostic.Error(
                "KAPT1050", name, name, terminal, LifecycleText.Conditions(resource),
                await StepEvents.DescribeAsync(run, kind, name, $"{InferenceServiceLabel}={name}", cancellationToken).ConfigureAwait(false)));
        }

        if (!pods.Following && ModelLoadFailure(resource, previousRevision) is { } model)
        {
            run.Report.Set("state", "Failed");
            throw new KaptainException(KaptainDiagnostic.Error("KAPT1056", name, name, model, LifecycleText.Conditions(resource), run.Namespace));
        }
    }

    /// <summary>
    /// What a timed-out publish adds to KAPT1108: when the predictor pods could not be followed, where to look (their
    /// waiting reasons, the storage initializer's log; Knative fails a Revision whose init container crash-loops only at
    /// its progress deadline), and KServe's model status if it names a failed load.
    /// </summary>
    private static string TimeoutAdvice(LifecycleRun run, string name, JsonObject? service, string? previousRevision, PredictorPodWatch pods)
    {
        // After a replace, a failed load KServe still reports for the replaced revision is not this version's.
        var model = service is null ? null : ModelLoadFailure(service, previousRevision);
        var advice = model is null ? string.Empty : $"KServe's model status: {model}.{Environment.NewLine}";
        return pods.Following
            ? advice
            : advice + $"The predictor pods could not be followed, so their waiting reasons are not shown above: check them with "
                + $"'kubectl get pods -n {run.Namespace} -l {InferenceServiceLabel}={name}' (Init:CrashLoopBackOff, ImagePullBackOff, Pending) "
                + $"and a storage initializer's failure with 'kubectl logs -n {run.Namespace} POD -c storage-initializer'. Knative fails a "
                + "Revision whose pods never become ready only at its progress deadline (600 s unless the predictor's "
                + $"serving.knative.dev/progress-deadline annotation says otherwise).{Environment.NewLine}";
    }

    /// <summary>The URL of a ready InferenceService: <c>status.url</c>, else <c>status.address.url</c>.</summary>
    public static string Url(JsonObject service) =>
        KubernetesObjectJson.StringAt(service, "status.url") ?? KubernetesObjectJson.StringAt(service, "status.address.url") ?? string.Empty;

    /// <summary>What a successful publish keeps: the InferenceService, its ServiceAccount and its S3 Secret.</summary>
    public static KeepPolicy SuccessPolicy(ResourceKind kind) =>
        KeepPolicy.RemoveEverything
            .Keep(ResourceKinds.ServiceAccount, RunOutcome.Succeeded)
            .Keep(ResourceKinds.Secret, RunOutcome.Succeeded)
            .Keep(kind, RunOutcome.Succeeded);

    /// <summary>
    /// What a failed publish keeps: with KaptainKeepFailedResources the InferenceService with the ServiceAccount and
    /// Secret its pods need; after a replace also the ServiceAccount and Secret the replaced service now references.
    /// </summary>
    public static KeepPolicy FailurePolicy(ModelDefinition model, ResourceKind kind, bool replaced)
    {
        var policy = FailureKeepPolicy.For(model, kind).KeepWith(kind, ResourceKinds.ServiceAccount).KeepWith(kind, ResourceKinds.Secret);
        return replaced
            ? policy.Keep(ResourceKinds.ServiceAccount, RunOutcome.Failed).Keep(ResourceKinds.Secret, RunOutcome.Failed)
            : policy;
    }

    private static string ReadyState(JsonObject service) =>
        KubernetesObjectJson.Condition(service, "Ready") is { } ready
            ? LifecycleText.Condition(ready)
            : "Pending";

    private static Task ReplaceAsync(
        LifecycleRun run, ResourceKind kind, CustomResource service, JsonObject existing, CancellationToken cancellationToken)
    {
        var desired = KubernetesObjectJson.FromModel(service);
        return PutAsync(run, kind, existing, latest => Over(latest, desired), "replace", cancellationToken);
    }

    /// <summary>
    /// The rendered service over the object read: its spec, labels and annotations, and the read object's metadata
    /// otherwise (uid, resourceVersion, the finalizer KServe adds, owner references); no status (the server keeps it).
    /// </summary>
    private static JsonObject Over(JsonObject latest, JsonObject desired)
    {
        var body = latest.DeepClone().AsObject();
        body.Remove("status");
        body["spec"] = desired["spec"]?.DeepClone();
        var metadata = body["metadata"]!.AsObject();
        metadata.Remove("managedFields");
        foreach (var field in new[] { "labels", "annotations" })
        {
            metadata[field] = desired["metadata"]?[field]?.DeepClone();
            if (metadata[field] is null)
            {
                metadata.Remove(field);
            }
        }

        return body;
    }

    /// <summary>
    /// PUTs the InferenceService <paramref name="read"/> names with the body <paramref name="build"/> makes of it: a
    /// replace, or a canary's promotion or rollback. <paramref name="action"/> names it in a refusal. A 409 (the object
    /// changed since it was read, with the resourceVersion of the PUT) is met by reading it again: when only its status
    /// or metadata changed (the KServe controller writes status and its finalizer all the time), the body is made again
    /// of the latest object and PUT again, up to <see cref="PutAttempts"/> times; when its spec changed, someone else
    /// changed the service since this run read it, and overwriting that silently would lose their change: KAPT1065.
    /// </summary>
    internal static async Task PutAsync(
        LifecycleRun run, ResourceKind kind, JsonObject read, Func<JsonObject, JsonObject> build, string action, CancellationToken cancellationToken)
    {
        var name = KubernetesObjectJson.Name(read);
        var latest = read;
        for (var attempt = 1; ; attempt++)
        {
            var body = build(latest);
            try
            {
                await run.Resilience.ExecuteAsync(
                    async token =>
                    {
                        using var response = await run.Connection.Client.CustomObjects
                            .ReplaceNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(
                                body, kind.Group, kind.Version, run.Namespace, kind.Plural, name, cancellationToken: token)
                            .ConfigureAwait(false);
                        return response.Body;
                    },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (attempt < PutAttempts
                && ClusterApiErrors.IsApiFailure(exception, cancellationToken)
                && ClusterApiErrors.StatusCode(exception) == System.Net.HttpStatusCode.Conflict)
            {
                var again = await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false);
                if (again is null)
                {
                    throw ClusterApiErrors.Translate(run.Connection, exception, action, kind, run.Namespace, name);
                }

                if (!JsonNode.DeepEquals(again["spec"], read["spec"]))
                {
                    throw new KaptainException(KaptainDiagnostic.Error(
                        "KAPT1065", name, name, run.Namespace, SpecWriter(again), action));
                }

                run.Log.Detail($"InferenceService {name} changed since it was read (status or metadata, not its spec): {action} again at resourceVersion {KubernetesObjectJson.ResourceVersion(again)}");
                latest = again;
            }
            catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
            {
                throw ClusterApiErrors.Translate(run.Connection, exception, action, kind, run.Namespace, name);
            }
        }
    }

    /// <summary>How many times <see cref="PutAsync"/> PUTs when the service keeps changing under it (status only).</summary>
    internal const int PutAttempts = 5;

    // Who last wrote the spec, from managedFields (the latest entry that owns fields under spec).
    private static string SpecWriter(JsonObject service) =>
        (service["metadata"]?["managedFields"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(e => e["fieldsV1"]?["f:spec"] is not null)
            .OrderByDescending(e => LifecycleText.Text(e["time"]), StringComparer.Ordinal)
            .Select(e => $"'{LifecycleText.Text(e["manager"])}'")
            .FirstOrDefault() ?? "another client";

    // ServiceAccounts and Secrets of earlier publish runs: a replaced service no longer references them, and a killed
    // run left them. They are found by label, so the sweep's rules apply: this run's own stay as the policy said.
    private static async Task RemoveEarlierPublishRunsAsync(LifecycleRun run)
    {
        var selector = ManifestLabels.Selector(run.Model, LifecycleStep.Publish);
        var earlier = new List<ResourceReference>();
        using var timeout = new CancellationTokenSource(run.Options.CleanupTimeout);
        try
        {
            foreach (var kind in new[] { ResourceKinds.ServiceAccount, ResourceKinds.Secret })
            {
                var list = await run.Client.ListAsync(kind, run.Namespace, selector, null, timeout.Token).ConfigureAwait(false);
                earlier.AddRange(list.Items
                    .Where(item => ManifestLabels.IsOf(item, run.Model) && KubernetesObjectJson.Label(item, ManifestLabels.Run) != run.RunId)
                    .Select(item => ResourceReference.From(item, run.Namespace)));
            }
        }
        catch (Exception exception) when (exception is KaptainException or OperationCanceledException)
        {
            // A cleanup that could not run is said, with its code: those objects still hold credentials.
            var reason = exception is KaptainException coded
                ? coded.Diagnostics[0].ToString()
                : $"no answer within {run.Options.CleanupTimeout.TotalSeconds:0} s";
            run.Warn(KaptainDiagnostic.Warning("KAPT4022", run.Namespace, reason));
            return;
        }

        if (earlier.Count > 0)
        {
            var report = await new ResourceCleaner(run.Client) { Timeout = run.Options.CleanupTimeout, Refused = run.Refused }
                .RemoveAsync(earlier, CancellationToken.None).ConfigureAwait(false);
            foreach (var removed in report.Removed.Concat(report.AlreadyGone))
            {
                run.Report.AddRemoved(removed.ToString());
                run.Log.Detail($"Removed {removed} of an earlier publish run");
            }

            foreach (var problem in report.Problems.Concat(report.LeftAlone))
            {
                run.Warn(problem with { Severity = DiagnosticSeverity.Warning });
            }
        }
    }

    /// <summary>The revisions that receive traffic (a canary's split keeps the rolled-out one serving).</summary>
    public static IReadOnlySet<string> TrafficRevisions(JsonObject service) =>
        (service["status"]?["components"]?["predictor"]?["traffic"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(t => LifecycleText.Number(t["percent"]) > 0)
            .Select(t => LifecycleText.Text(t["revisionName"]))
            .Where(n => n.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    private static async Task<IReadOnlyList<string>> PruneRevisionsAsync(
        LifecycleRun run, string name, string? current, IReadOnlySet<string> serving, CancellationToken cancellationToken)
    {
        if (run.Model.Publish.RevisionsToKeep is not { } keep
            || !await run.Client.IsServedAsync(ResourceKinds.KnativeRevision, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        ResourceList revisions;
        try
        {
            revisions = await run.Client
                .ListAsync(ResourceKinds.KnativeRevision, run.Namespace, $"{InferenceServiceLabel}={name}", null, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (KaptainException exception) when (run.Refused.Refused(exception, $"no old revision of {name} is removed (KaptainRevisionsToKeep)"))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var old in RevisionsToRemove(revisions.Items, current, keep).Where(r => !serving.Contains(KubernetesObjectJson.Name(r))))
        {
            var revision = KubernetesObjectJson.Name(old);
            try
            {
                await run.Client.DeleteAsync(ResourceKinds.KnativeRevision, run.Namespace, revision, null, KubernetesObjectJson.Uid(old), cancellationToken).ConfigureAwait(false);
                removed.Add(revision);
                run.Report.AddRemoved($"{ResourceKinds.KnativeRevision.Kind} {run.Namespace}/{revision}");
                run.Log.Info($"Removed old revision {revision}");
            }
            catch (KaptainException exception) when (run.Refused.Refused(exception, $"the old revisions of {name} stay (KaptainRevisionsToKeep); they keep no traffic"))
            {
                // Every other delete of a revision would be refused as well.
                break;
            }
            catch (KaptainException exception)
            {
                run.Warn(KaptainDiagnostic.Warning("KAPT5002", revision, revision, exception.Diagnostics[0].Message));
            }
            catch (ResourceReplacedException replaced)
            {
                run.Warn(replaced.Warning);
            }
        }

        return removed;
    }

    /// <summary>
    /// The revisions older than the current one, beyond the <paramref name="keep"/> newest of them (by Knative's
    /// configuration generation, then creation time).
    /// </summary>
    public static IEnumerable<JsonObject> RevisionsToRemove(IEnumerable<JsonObject> revisions, string? current, int keep)
    {
        var all = revisions.ToList();
        // Only revisions older than the one now serving are "previous": one created after it (a rollout Knative started
        // since) is neither removed nor counted against the revisions kept.
        var currentGeneration = all.Where(r => KubernetesObjectJson.Name(r) == current).Select(Generation).FirstOrDefault();
        return all
            .Where(r => KubernetesObjectJson.Name(r) != current && (currentGeneration == 0 || Generation(r) < currentGeneration))
            // The generation orders revisions exactly; creation timestamps have whole seconds and tie within one.
            .OrderByDescending(Generation)
            .ThenByDescending(r => KubernetesObjectJson.StringAt(r, "metadata.creationTimestamp") ?? string.Empty, StringComparer.Ordinal)
            .Skip(keep);

        static int Generation(JsonObject revision) =>
            int.TryParse(KubernetesObjectJson.Label(revision, "serving.knative.dev/configurationGeneration"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : 0;
    }
}
