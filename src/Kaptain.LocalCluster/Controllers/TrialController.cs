using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// Katib's trial controller with the StdOut metrics collector: creates the trial's job from <c>spec.runSpec</c> (owned
/// by the Trial), follows the job's conditions, and when it ends reads the <c>name=value</c> lines its pods printed into
/// <c>status.observation.metrics</c>. Conditions Created, Running, Succeeded, Failed and MetricsUnavailable with
/// Katib's reasons.
/// </summary>
internal sealed partial class TrialController : ReconcilingController
{
    /// <inheritdoc/>
    public override string Name => "trial-controller";

    private ResourceType? TrialType => Cluster.Resources.FindByKind("kubeflow.org/v1beta1", "Trial");

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
    [
        (TrialType, Self),
        (BuiltInResources.Job, OwnerOfKind("Trial")),
        (Cluster.Resources.FindByKind("kubeflow.org/v1", "TFJob"), OwnerOfKind("Trial")),
        (Cluster.Resources.FindByKind("kubeflow.org/v1", "PyTorchJob"), OwnerOfKind("Trial")),
    ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var trialType = TrialType!;
        var trial = Store.TryGet(trialType, ns, name);
        if (trial is null || ObjectFields.IsDeleting(trial))
        {
            return;
        }

        if (Conditions.IsTrue(trial["status"], "Succeeded") || Conditions.IsTrue(trial["status"], "Failed") || Conditions.IsTrue(trial["status"], "MetricsUnavailable"))
        {
            await DeleteJobUnlessRetainedAsync(trial);
            return;
        }

        var runSpec = trial["spec"]?["runSpec"] as JsonObject;
        var jobType = runSpec is null ? null : Cluster.Resources.FindByKind(ObjectFields.Text(runSpec["apiVersion"]) ?? string.Empty, ObjectFields.Text(runSpec["kind"]) ?? string.Empty);
        if (runSpec is null || jobType is null)
        {
            await End(trialType, trial, "Failed", "TrialFailed", $"Trial has failed: the run spec's kind {ObjectFields.Text(runSpec?["apiVersion"])} {ObjectFields.Text(runSpec?["kind"])} is not served by the local cluster", null);
            return;
        }

        var job = Store.TryGet(jobType, ns, name);
        if (job is null)
        {
            var toCreate = (JsonObject)runSpec.DeepClone();
            var metadata = ObjectFields.Metadata(toCreate);
            metadata["name"] = name;
            metadata["namespace"] = ns;
            metadata["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(trial));
            var labels = ObjectFields.Child(metadata, "labels");
            labels["katib.kubeflow.org/trial"] = name;
            if (ObjectFields.Labels(trial).TryGetValue(ExperimentController.ExperimentLabel, out var experiment))
            {
                labels[ExperimentController.ExperimentLabel] = experiment;
            }

            try
            {
                job = await Store.CreateAsync(jobType, toCreate);
            }
            catch (ApiException e) when (e.Code != 409)
            {
                await End(trialType, trial, "Failed", "TrialFailed", $"Trial has failed: its {jobType.Kind} was refused: {e.Message}", null);
                return;
            }
            catch (ApiException)
            {
                return;
            }

            await MutateStatus(trialType, ns, name, status =>
            {
                status["startTime"] ??= ObjectFields.Timestamp(Now);
                return Conditions.Set(status, "Created", "True", "TrialCreated", "Trial is created", Now, withUpdateTime: true);
            });
            return;
        }

        var jobStatus = job["status"];
        var succeeded = Conditions.IsTrue(jobStatus, "Complete") || Conditions.IsTrue(jobStatus, "Succeeded");
        var failed = Conditions.IsTrue(jobStatus, "Failed");
        if (failed)
        {
            var message = ObjectFields.Text(Conditions.Find(jobStatus, "Failed")?["message"]);
            await End(trialType, trial, "Failed", "TrialFailed", message is null ? "Trial has failed" : $"Trial has failed. Job message: {message}", null);
            return;
        }

        if (succeeded)
        {
            var metrics = await CollectMetricsAsync(trial, job);
            var objective = ObjectFields.Text(trial["spec"]?["objective"]?["objectiveMetricName"]);
            if (objective is null || !metrics.Any(m => ObjectFields.Text(m?["name"]) == objective && ObjectFields.Text(m?["latest"]) != "unavailable"))
            {
                await End(trialType, trial, "MetricsUnavailable", "MetricsUnavailable", "Metrics are not available", metrics);
            }
            else
            {
                await End(trialType, trial, "Succeeded", "TrialSucceeded", "Trial has succeeded", metrics);
            }

            return;
        }

        await MutateStatus(trialType, ns, name, status =>
        {
            status["startTime"] ??= ObjectFields.Timestamp(Now);
            var changed = Conditions.Set(status, "Created", "True", "TrialCreated", "Trial is created", Now, withUpdateTime: true);
            return Conditions.Set(status, "Running", "True", "TrialRunning", "Trial is running", Now, withUpdateTime: true) || changed;
        });
        return;
    }

    /// <summary>
    /// A completed trial's job goes unless the trial template said <c>retain: true</c> (the trial's
    /// <c>spec.retainRun</c>), with foreground propagation (kubeflow/katib pkg/controller.v1beta1/trial/trial_controller.go:
    /// <c>if instance.IsCompleted() &amp;&amp; !instance.Spec.RetainRun { r.Delete(desiredJob, Foreground) }</c>).
    /// </summary>
    private async Task DeleteJobUnlessRetainedAsync(JsonObject trial)
    {
        if (trial["spec"]?["retainRun"] is JsonValue retain && retain.TryGetValue<bool>(out var keep) && keep)
        {
            return;
        }

        var runSpec = trial["spec"]?["runSpec"] as JsonObject;
        var jobType = runSpec is null ? null : Cluster.Resources.FindByKind(ObjectFields.Text(runSpec["apiVersion"]) ?? string.Empty, ObjectFields.Text(runSpec["kind"]) ?? string.Empty);
        var ns = ObjectFields.Namespace(trial);
        var name = ObjectFields.Name(trial);
        if (jobType is not null && Store.TryGet(jobType, ns, name) is { } job && !ObjectFields.IsDeleting(job))
        {
            await Tolerate(() => Store.DeleteAsync(jobType, ns, name, new DeletionOptions { PropagationPolicy = PropagationPolicy.Foreground }), 404);
        }
    }

    /// <summary>
    /// Whether Katib's webhook would have injected its metrics collector into the trial's pods: only in namespaces
    /// labelled <c>katib.kubeflow.org/metrics-collector-injection=enabled</c> (kubeflow/katib
    /// manifests/v1beta1/components/webhook/webhooks.yaml, the pod webhook's <c>namespaceSelector</c>). Without it
    /// nothing reads the pods' output and no metric is recorded (kubeflow/katib#1795).
    /// </summary>
    /// <remarks>The namespace is read through the API when the cache has not seen it yet (a namespace made just
    /// before the experiment).</remarks>
    private async Task<bool> CollectorInjectedAsync(string ns) =>
        (Store.TryGet(BuiltInResources.Namespace, null, ns) ?? await Store.ReadAsync(BuiltInResources.Namespace, null, ns, CancellationToken.None)) is { } namespaceObject
        && ObjectFields.Labels(namespaceObject).TryGetValue("katib.kubeflow.org/metrics-collector-injection", out var value)
        && value == "enabled";

    /// <summary>The objective and additional metrics from the <c>name=value</c> lines the job's pods printed, as Katib's
    /// StdOut collector parses them: <c>latest</c>, <c>min</c> and <c>max</c> over the lines; <c>unavailable</c> when
    /// a metric never appeared.</summary>
    private async Task<JsonArray> CollectMetricsAsync(JsonObject trial, JsonObject job)
    {
        var objective = trial["spec"]?["objective"];
        var names = new[] { ObjectFields.Text(objective?["objectiveMetricName"]) }
            .Concat((objective?["additionalMetricNames"] as JsonArray ?? []).Select(ObjectFields.Text))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var primary = ObjectFields.Text(trial["spec"]?["primaryContainerName"]);
        var values = names.ToDictionary(n => n, _ => new List<double>(), StringComparer.Ordinal);
        var uid = ObjectFields.Uid(job);
        var pods = await CollectorInjectedAsync(ObjectFields.Namespace(job))
            ? Store.List(BuiltInResources.Pod, ObjectFields.Namespace(job)).Items.Where(p => ObjectFields.IsControlledBy(p, uid))
            : [];
        foreach (var pod in pods)
        {
            var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => ObjectFields.Text(c?["name"])).OfType<string>().ToList();
            var container = primary is not null && containers.Contains(primary) ? primary : containers.FirstOrDefault();
            if (container is null)
            {
                continue;
            }

            foreach (var line in Cluster.Logs.Read(ObjectFields.Namespace(pod), ObjectFields.Name(pod), container))
            {
                foreach (Match match in MetricPattern().Matches(line.Text))
                {
                    if (values.TryGetValue(match.Groups["name"].Value, out var list)
                        && double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    {
                        list.Add(value);
                    }
                }
            }
        }

        return new JsonArray(names.Select(n => (JsonNode?)(values[n].Count == 0
            ? new JsonObject { ["name"] = n, ["latest"] = "unavailable", ["min"] = "unavailable", ["max"] = "unavailable" }
            : new JsonObject
            {
                ["name"] = n,
                ["latest"] = Format(values[n][^1]),
                ["min"] = Format(values[n].Min()),
                ["max"] = Format(values[n].Max()),
            })).ToArray());
    }

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    private async Task End(ResourceType trialType, JsonObject trial, string condition, string reason, string message, JsonArray? metrics)
    {
        await MutateStatus(trialType, ObjectFields.Namespace(trial), ObjectFields.Name(trial), status =>
        {
            status["startTime"] ??= ObjectFields.Timestamp(Now);
            Conditions.Set(status, "Created", "True", "TrialCreated", "Trial is created", Now, withUpdateTime: true);
            if (Conditions.Find(status, "Running") is not null)
            {
                Conditions.Set(status, "Running", "False", reason, message, Now, withUpdateTime: true);
            }

            Conditions.Set(status, condition, "True", reason, message, Now, withUpdateTime: true);
            if (metrics is not null)
            {
                status["observation"] = new JsonObject { ["metrics"] = metrics };
            }

            status["completionTime"] = ObjectFields.Timestamp(Now);
            return true;
        });
        if (condition != "Succeeded")
        {
            Events.Warning(trial, reason, message);
        }
    }

    // Katib's default StdOut filter: ([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)
    [GeneratedRegex(@"(?<name>[\w|-]+)\s*=\s*(?<value>[+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)")]
    private static partial Regex MetricPattern();
}
