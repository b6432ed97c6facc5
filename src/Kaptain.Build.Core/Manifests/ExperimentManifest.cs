using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.Build.Model;
using static Kaptain.Build.Manifests.ManifestConventions;

namespace Kaptain.Build.Manifests;

/// <summary>
/// The Katib Experiment (<c>kubeflow.org/v1beta1</c>) of the tune step: the objective, the algorithm, the counts, the
/// search space, the StdOut metrics collector, and a trial template that wraps the training job with each search
/// parameter passed as <c>--name=${trialParameters.name}</c>.
/// </summary>
public static class ExperimentManifest
{
    /// <summary>The API version of Katib's Experiment.</summary>
    public const string ApiVersion = "kubeflow.org/v1beta1";

    /// <summary>The kind.</summary>
    public const string Kind = "Experiment";

    /// <summary>
    /// The trial parameter with the trial's name (Katib's metadata reference <c>${trialSpec.Name}</c>,
    /// https://www.kubeflow.org/docs/components/katib/user-guides/trial-template/#use-metadata-in-trial-template): each trial writes its model under its own folder.
    /// </summary>
    public const string TrialNameParameter = "kaptainTrialName";

    // Katib's conditions for training-operator jobs (gjson paths over the job's status).
    private const string SuccessCondition = "status.conditions.#(type==\"Succeeded\")#|#(status==\"True\")#";
    private const string FailureCondition = "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#";

    /// <summary>The Experiment of the tune step.</summary>
    public static CustomResource Create(ModelDefinition model, RunContext run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(run);
        const LifecycleStep step = LifecycleStep.Tune;
        var tune = model.Tune;
        var searched = tune.SearchParameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var fixedHyperparameters = model.Train.Hyperparameters.Where(h => !searched.Contains(h.Key));
        var trialArgs = tune.SearchParameters.Select(p => $"--{p.Name}=${{trialParameters.{p.Name}}}");
        var trialSpec = new JsonObject
        {
            ["apiVersion"] = TrainingJobManifest.ApiVersion,
            ["kind"] = TrainingJobManifest.Kind(model.Framework),
            ["spec"] = TrainingJobManifest.Spec(model, run, step, TrainingJobManifest.Arguments(model, fixedHyperparameters, trialArgs)),
        };

        var objective = new JsonObject
        {
            ["type"] = tune.ObjectiveType == ObjectiveType.Maximize ? "maximize" : "minimize",
            ["objectiveMetricName"] = tune.Objectives.Count > 0 ? tune.Objectives[0] : string.Empty,
        };
        if (tune.ObjectiveGoal is { } goal)
        {
            objective["goal"] = double.Parse(goal, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        if (tune.Objectives.Count > 1)
        {
            objective["additionalMetricNames"] = new JsonArray([.. tune.Objectives.Skip(1).Select(m => (JsonNode)m)]);
        }

        var algorithm = new JsonObject { ["algorithmName"] = tune.Algorithm };
        if (tune.AlgorithmSettings.Count > 0)
        {
            algorithm["algorithmSettings"] = new JsonArray(
                [.. tune.AlgorithmSettings.Select(s => (JsonNode)new JsonObject { ["name"] = s.Key, ["value"] = s.Value })]);
        }

        var spec = new JsonObject
        {
            ["maxTrialCount"] = tune.Trials,
            ["parallelTrialCount"] = tune.ParallelTrials,
            ["maxFailedTrialCount"] = tune.FailedTrials,
            ["objective"] = objective,
            ["algorithm"] = algorithm,
            ["metricsCollectorSpec"] = new JsonObject { ["collector"] = new JsonObject { ["kind"] = "StdOut" } },
            ["parameters"] = new JsonArray([.. tune.SearchParameters.Select(p => (JsonNode)Parameter(p))]),
            ["trialTemplate"] = new JsonObject
            {
                ["primaryContainerName"] = TrainingJobManifest.ContainerName(model.Framework),
                ["primaryPodLabels"] = PrimaryPodLabels(model.Framework),
                ["successCondition"] = SuccessCondition,
                ["failureCondition"] = FailureCondition,
                ["retain"] = false,
                ["trialParameters"] = new JsonArray([
                    .. tune.SearchParameters.Select(p => (JsonNode)new JsonObject
                    {
                        ["name"] = p.Name,
                        ["description"] = $"{p.Name} ({p.Type.ToString().ToLowerInvariant()})",
                        ["reference"] = p.Name,
                    }),
                    // Katib's trial metadata reference: the trial's name, for the folder its model goes to.
                    new JsonObject
                    {
                        ["name"] = TrialNameParameter,
                        ["description"] = "the trial's name (where its model goes)",
                        ["reference"] = "${trialSpec.Name}",
                    },
                ]),
                ["trialSpec"] = trialSpec,
            },
        };
        return new CustomResource(ApiVersion, Kind, Metadata(model, step, run, PerRunName(model, step, run)), spec);
    }

    private static JsonObject PrimaryPodLabels(ModelFramework framework)
    {
        var labels = new JsonObject { [TrainingJobManifest.ReplicaTypeLabel] = TrainingJobManifest.PrimaryReplicaType(framework).ToLowerInvariant() };
        if (framework == ModelFramework.TensorFlow)
        {
            labels[TrainingJobManifest.ReplicaIndexLabel] = "0";
        }

        return labels;
    }

    private static JsonObject Parameter(SearchParameter parameter)
    {
        var space = new JsonObject();
        if (parameter.Type is SearchParameterType.Double or SearchParameterType.Int)
        {
            space["min"] = parameter.Min;
            space["max"] = parameter.Max;
            if (parameter.Step is not null)
            {
                space["step"] = parameter.Step;
            }
        }
        else
        {
            space["list"] = new JsonArray([.. parameter.Values.Select(v => (JsonNode)v)]);
        }

        return new JsonObject
        {
            ["name"] = parameter.Name,
            ["parameterType"] = parameter.Type.ToString().ToLowerInvariant(),
            ["feasibleSpace"] = space,
        };
    }
}
