using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The canary's promotion and rollback, as KServe has them (the Kaptain SDK's <c>promote_canary</c> /
/// <c>rollback_canary</c>): promotion drops the predictor's <c>canaryTrafficPercent</c>, so the latest revision gets all
/// the traffic and becomes the rolled-out one; rollback sets it to 0, so all the traffic goes back to the revision rolled
/// out before the canary (KServe's canary example, "Rollback and pin the previous model" / "Promote the canary model",
/// https://kserve.github.io/website/docs/model-serving/predictive-inference/rollout-strategies/canary-example). Waits until
/// the InferenceService's traffic says so. Serverless only: "Canary rollout strategy is only supported in serverless
/// deployment mode" (same page).
/// </summary>
internal static class CanaryStep
{
    public static async Task<CanaryResult> RunAsync(LifecycleOptions options, bool promote, CancellationToken cancellationToken)
    {
        var action = promote ? "promotion" : "rollback";
        await using var run = LifecycleRun.Begin(options, promote ? "promote-canary" : "rollback-canary");
        var model = run.Model;
        var kind = PublishingStep.InferenceServiceKind(model.Publish);
        return await run.ExecuteAsync(
            async () =>
            {
                await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var name = model.Name;
                run.Report.Set("inferenceService", name);
                if (model.Publish.DeploymentMode == DeploymentMode.RawDeployment)
                {
                    throw new KaptainException(KaptainDiagnostic.Error("KAPT2100", ModelProperties.DeploymentMode, action, "KaptainDeploymentMode=RawDeployment"));
                }

                var service = await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false)
                    ?? throw new KaptainException(KaptainDiagnostic.Error("KAPT1052", name, name, run.Namespace, promote ? "promote" : "roll back"));
                ModelIdentity.EnsureOwn(service, model, kind, run.Namespace);
                if (LifecycleText.Text(service["metadata"]?["annotations"]?[Manifests.InferenceServiceManifest.DeploymentModeAnnotation]) == "RawDeployment"
                    || KubernetesObjectJson.StringAt(service, "status.deploymentMode") == "RawDeployment")
                {
                    throw new KaptainException(KaptainDiagnostic.Error("KAPT2100", ModelProperties.DeploymentMode, action, $"the InferenceService '{name}'"));
                }

                var predictor = service["spec"]?["predictor"] as JsonObject;
                if (predictor?["canaryTrafficPercent"] is null)
                {
                    throw new KaptainException(KaptainDiagnostic.Error("KAPT1053", name, name, promote ? "promote" : "roll back"));
                }

                var canary = KubernetesObjectJson.StringAt(service, "status.components.predictor.latestReadyRevision");
                var rolledOut = KubernetesObjectJson.StringAt(service, "status.components.predictor.latestRolledoutRevision");
                if (!promote && (rolledOut is null || rolledOut == canary))
                {
                    // Nothing was rolled out before this canary: there is no earlier revision to go back to.
                    throw new KaptainException(KaptainDiagnostic.Error("KAPT1053", name, name, "roll back"));
                }

                // Made of the latest object on each attempt (a 409 re-reads it; see PublishingStep.PutAsync).
                JsonObject Promoted(JsonObject latest)
                {
                    var body = latest.DeepClone().AsObject();
                    body.Remove("status");
                    body["metadata"]!.AsObject().Remove("managedFields");
                    var target = (JsonObject)body["spec"]!["predictor"]!;
                    if (promote)
                    {
                        target.Remove("canaryTrafficPercent");
                    }
                    else
                    {
                        target["canaryTrafficPercent"] = 0;
                    }

                    return body;
                }

                await PublishingStep.PutAsync(run, kind, service, Promoted, "update", cancellationToken).ConfigureAwait(false);
                run.Log.Info(promote
                    ? $"Promoting the canary of InferenceService {name}: all traffic to its latest revision"
                    : $"Rolling back the canary of InferenceService {name}: all traffic back to revision {rolledOut}");

                var states = new StateReporter(run.Log, $"InferenceService {name}", Traffic);
                var end = await StepWatch.WaitForAsync(
                    run, kind, name, s => Serves(s, promote ? null : rolledOut), model.Publish.Timeout, states.Report, cancellationToken).ConfigureAwait(false);
                if (end.Outcome != ResourceWaitOutcome.Satisfied)
                {
                    run.Report.Set("state", end.Outcome.ToString());
                    throw new KaptainException(KaptainDiagnostic.Error(
                        "KAPT1054", name, name, action, LifecycleText.Duration(model.Publish.Timeout),
                        end.Resource is null ? "the InferenceService is gone" : $"its traffic is {Traffic(end.Resource)}",
                        LifecycleText.Conditions(end.Resource), run.Namespace));
                }

                var serving = end.Resource!;
                var revision = FullRevision(serving)!;
                var url = PublishingStep.Url(serving);
                var previous = promote ? rolledOut : canary;
                run.Report.Set("state", promote ? "Promoted" : "RolledBack");
                run.Report.Set("url", url);
                run.Report.Set("revision", revision);
                run.Log.Info($"InferenceService {name} serves revision {revision} with all traffic at {url}");
                return new CanaryResult { InferenceServiceName = name, Url = url, Revision = revision, PreviousRevision = previous == revision ? null : previous };
            },
            () => KeepPolicy.RemoveEverything,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the InferenceService is Ready with all its traffic on one revision: the latest ready one, which is also the
    /// latest created (<paramref name="revision"/> null: a promotion), or <paramref name="revision"/> (a rollback).
    /// </summary>
    public static bool Serves(JsonObject service, string? revision)
    {
        if (!KubernetesObjectJson.HasTrueCondition(service, "Ready") || FullRevision(service) is not { } full)
        {
            return false;
        }

        if (revision is not null)
        {
            return full == revision;
        }

        var latest = KubernetesObjectJson.StringAt(service, "status.components.predictor.latestReadyRevision");
        return full == latest && latest == KubernetesObjectJson.StringAt(service, "status.components.predictor.latestCreatedRevision");
    }

    /// <summary>The revision that has 100% of the InferenceService's traffic, or null while it is split.</summary>
    public static string? FullRevision(JsonObject service)
    {
        var targets = (service["status"]?["components"]?["predictor"]?["traffic"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var byRevision = targets
            .GroupBy(t => LifecycleText.Text(t["revisionName"]), StringComparer.Ordinal)
            .Select(g => (Revision: g.Key, Percent: g.Sum(t => LifecycleText.Number(t["percent"]) ?? 0)))
            .ToList();
        return byRevision.Where(r => r.Percent == 100 && r.Revision.Length > 0).Select(r => r.Revision).FirstOrDefault();
    }

    private static string Traffic(JsonObject service)
    {
        var targets = (service["status"]?["components"]?["predictor"]?["traffic"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(t => $"{LifecycleText.Text(t["revisionName"])} {LifecycleText.Text(t["percent"])}%")
            .ToList();
        return targets.Count == 0 ? "no traffic yet" : string.Join(", ", targets);
    }
}
