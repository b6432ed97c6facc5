using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The tune step: creates the Katib Experiment, reports each trial as it changes and the best trial so far, and on
/// success writes the best hyperparameters where a later build imports them. The experiment stays (as the Kaptain SDK
/// leaves it) unless deleting it was asked for.
/// </summary>
internal static class TuningStep
{
    public static async Task<TuneResult> RunAsync(LifecycleOptions options, CancellationToken cancellationToken)
    {
        await using var run = LifecycleRun.Begin(options, LifecycleStep.Tune.LabelValue());
        var model = run.Model;
        var kind = ResourceKinds.Experiment;
        return await run.ExecuteAsync(
            async () =>
            {
                // Before anything is created: a model without objectives or a search space cannot be tuned.
                var problems = ManifestRenderer.Check(model, LifecycleStep.Tune);
                if (problems.Count > 0)
                {
                    throw new KaptainException(problems);
                }

                await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
                await MetricsCollectorNamespace.CheckAsync(run, cancellationToken).ConfigureAwait(false);
                var secrets = await StepCredentials.ForTrainingAsync(run, LifecycleStep.Tune, cancellationToken).ConfigureAwait(false);
                var runContext = await StepInputs.RunContextAsync(run, cancellationToken).ConfigureAwait(false);
                var manifests = ManifestRenderer.Render(model, LifecycleStep.Tune, runContext with { Secrets = secrets });
                var experiment = manifests.Custom(ExperimentManifest.Kind);
                var name = experiment.Metadata.Name;
                run.Report.Set("experimentName", name);
                // The trials' S3 Secret first, then the experiment, which owns it (its trials' jobs read it).
                var secret = manifests.Single<k8s.Models.V1Secret>();
                await run.CreateAsync(secret, cancellationToken).ConfigureAwait(false);
                var created = await run.CreateAsync(experiment, cancellationToken).ConfigureAwait(false);
                await SecretOwnership.SetOwnerAsync(run, secret.Metadata.Name, created, cancellationToken).ConfigureAwait(false);

                var trials = new TrialTracker(run.Log, model.Tune.Trials);
                using var stopTrials = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var following = FollowTrialsAsync(run, name, trials, stopTrials.Token);
                ResourceWaitResult end;
                try
                {
                    var states = new StateReporter(run.Log, $"Experiment {name}", TrialStatus.State);
                    end = await StepWatch.WaitForAsync(run, kind, name, IsFinished,
                        model.Tune.Timeout,
                        resource =>
                        {
                            states.Report(resource);
                            trials.ReportBest(TrialStatus.Best(resource), model.Tune.Objectives[0]);
                        },
                        cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await stopTrials.CancelAsync().ConfigureAwait(false);
                    await following.ConfigureAwait(false);
                }

                // The last trial changes may still be on their way; the list is the truth at the end.
                var all = await ListTrialsAsync(run, name, cancellationToken).ConfigureAwait(false);
                foreach (var trial in all)
                {
                    trials.Report(trial);
                }

                trials.ReportFinalSummary();
                trials.ReportTable(all, model.Tune.Objectives[0], model.Tune.ObjectiveType);

                var state = end.Resource is null ? "Deleted" : TrialStatus.State(end.Resource);
                run.Report.Set("state", end.Outcome == ResourceWaitOutcome.TimedOut ? "TimedOut" : state);
                run.Report.Set("trials", new JsonArray([.. all.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["state"] = t.State })]));
                switch (end.Outcome)
                {
                    case ResourceWaitOutcome.Deleted:
                        throw new KaptainException(KaptainDiagnostic.Error("KAPT1109", name, kind.Kind, name, "tune"));
                    case ResourceWaitOutcome.TimedOut:
                        throw new KaptainException(KaptainDiagnostic.Error(
                            "KAPT1106", name, name, LifecycleText.Duration(model.Tune.Timeout),
                            LifecycleText.Lines(all.Select(TrialStatus.Describe), "  (none)")));
                    case ResourceWaitOutcome.Satisfied when state != "Succeeded":
                        var failedTrials = all.Where(t => t.State is "Failed" or "MetricsUnavailable" or "Killed").Select(TrialStatus.Describe);
                        throw new KaptainException(KaptainDiagnostic.Error(
                            "KAPT1105", name, name, LifecycleText.Reason(KubernetesObjectJson.Condition(end.Resource!, "Failed")),
                            LifecycleText.Lines(failedTrials, "  (none reported a failure)")));
                }

                var objective = model.Tune.Objectives[0];
                var best = TrialStatus.Best(end.Resource!);
                if (best is null || best.Parameters.Count == 0)
                {
                    throw new KaptainException(KaptainDiagnostic.Error("KAPT1111", name, name, objective));
                }

                var hyperparameters = BestHyperparameters(model, best);
                var (props, json) = await HyperparametersFile
                    .WriteAsync(run.Options.IntermediateDirectory, name, best, hyperparameters, cancellationToken)
                    .ConfigureAwait(false);
                run.Report.Set("bestTrial", best.Name);
                run.Report.Set("bestHyperparameters", new JsonObject(hyperparameters.Select(h => new KeyValuePair<string, JsonNode?>(h.Key, h.Value))));
                run.Report.Set("bestMetrics", new JsonObject(best.Metrics.Select(m => new KeyValuePair<string, JsonNode?>(m.Key, m.Value))));

                var delete = model.Tune.DeleteExperiment;
                await run.CleanUpAsync(RunOutcome.Succeeded, SuccessPolicy(model)).ConfigureAwait(false);
                run.Log.Info($"Best hyperparameters (trial {best.Name}, {string.Join(", ", best.Metrics.Select(m => $"{m.Key}={m.Value}"))}): "
                             + string.Join(", ", hyperparameters.Select(h => $"{h.Key}={h.Value}")) + $"; written to {props}");
                run.Log.Info(delete
                    ? $"Experiment {name} was removed (KaptainDeleteExperiment)"
                    : $"Experiment {name} stays on the cluster (set KaptainDeleteExperiment=true to remove it)");
                StepSummary.Report(run, "Experiment", name, state, !delete);
                return new TuneResult
                {
                    ExperimentName = name,
                    State = state,
                    BestTrial = best,
                    BestHyperparameters = hyperparameters,
                    HyperparametersPropsPath = props,
                    HyperparametersJsonPath = json,
                    ExperimentDeleted = delete,
                };
            },
            () => FailureKeepPolicy.For(model, kind).KeepWith(kind, ResourceKinds.Secret),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a successful run keeps: the Experiment (with its trials) and the S3 Secret it owns, unless deleting
    /// it was asked for.</summary>
    public static KeepPolicy SuccessPolicy(ModelDefinition model) =>
        model.Tune.DeleteExperiment
            ? KeepPolicy.RemoveEverything
            : KeepPolicy.RemoveEverything.Keep(ResourceKinds.Experiment, RunOutcome.Succeeded).Keep(ResourceKinds.Secret, RunOutcome.Succeeded);

    /// <summary>Whether an Experiment has ended: a true <c>Succeeded</c> or <c>Failed</c> condition.</summary>
    public static bool IsFinished(JsonObject experiment) =>
        KubernetesObjectJson.HasTrueCondition(experiment, "Succeeded") || KubernetesObjectJson.HasTrueCondition(experiment, "Failed");

    /// <summary>The best trial's assignments in the order of the model's search parameters (Katib's order otherwise).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> BestHyperparameters(ModelDefinition model, TrialSummary best)
    {
        var order = model.Tune.SearchParameters.Select((p, i) => (p.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        return best.Parameters
            .Select((p, i) => (Parameter: p, Index: order.TryGetValue(p.Key, out var known) ? known : order.Count + i))
            .OrderBy(p => p.Index)
            .Select(p => p.Parameter)
            .ToList();
    }

    private static async Task FollowTrialsAsync(LifecycleRun run, string experiment, TrialTracker trials, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in run.Client
                               .WatchAsync(ResourceKinds.Trial, run.Namespace, $"{TrialStatus.ExperimentLabel}={experiment}", null, lastStates: false, cancellationToken)
                               .ConfigureAwait(false))
            {
                // A deleted trial is not reported (the experiment's status and the final list decide), so the watch keeps
                // no trial's last state: with a thousand trials that was the build's memory growing with every trial.
                if (change.Type is ResourceEventType.Added or ResourceEventType.Modified)
                {
                    trials.Report(TrialStatus.Read(change.Resource));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (KaptainException exception)
        {
            // Progress lines are a courtesy; the experiment's own status decides the step.
            run.Refused.Refused(exception, $"the trials of Experiment {experiment} are not reported as they progress (only in the table at the end)");
            run.Log.Detail($"Trials cannot be followed: {exception.Diagnostics[0]}");
        }
    }

    private static async Task<List<TrialSummary>> ListTrialsAsync(LifecycleRun run, string experiment, CancellationToken cancellationToken)
    {
        var list = await run.Client
            .ListAsync(ResourceKinds.Trial, run.Namespace, $"{TrialStatus.ExperimentLabel}={experiment}", null, cancellationToken)
            .ConfigureAwait(false);
        return list.Items.Select(TrialStatus.Read).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }
}
