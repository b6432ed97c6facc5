using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// Katib's experiment and suggestion controllers (kubeflow.org/v1beta1): a Suggestion named after the Experiment whose
/// status lists the parameter assignments (random or grid search, see <see cref="SuggestionGenerator"/>), Trials owned
/// by the Experiment, at most <c>parallelTrialCount</c> running at once, each with its rendered trial template; the
/// Experiment's counts, <c>currentOptimalTrial</c>, and its end: Succeeded when the goal is reached, the trial budget
/// is spent or a grid is exhausted, Failed when more than <c>maxFailedTrialCount</c> trials fail.
/// </summary>
internal sealed partial class ExperimentController : ReconcilingController
{
    /// <summary>The label Katib puts on an experiment's trials.</summary>
    public const string ExperimentLabel = "katib.kubeflow.org/experiment";

    /// <inheritdoc/>
    public override string Name => "experiment-controller";

    private ResourceType? ExperimentType => Cluster.Resources.FindByKind("kubeflow.org/v1beta1", "Experiment");

    private ResourceType? TrialType => Cluster.Resources.FindByKind("kubeflow.org/v1beta1", "Trial");

    private ResourceType? SuggestionType => Cluster.Resources.FindByKind("kubeflow.org/v1beta1", "Suggestion");

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
    [
        (ExperimentType, Self),
        (TrialType, OwnerOfKind("Experiment")),
    ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var experimentType = ExperimentType!;
        var experiment = Store.TryGet(experimentType, ns, name);
        if (experiment is null || ObjectFields.IsDeleting(experiment)
            || Conditions.IsTrue(experiment["status"], "Succeeded") || Conditions.IsTrue(experiment["status"], "Failed"))
        {
            return;
        }

        var spec = experiment["spec"] ?? new JsonObject();
        SuggestionGenerator generator;
        try
        {
            var algorithm = ObjectFields.Text(spec["algorithm"]?["algorithmName"]) ?? "random";
            var seedSetting = (spec["algorithm"]?["algorithmSettings"] as JsonArray ?? [])
                .FirstOrDefault(s => ObjectFields.Text(s?["name"]) == "random_state");
            var seed = seedSetting is not null && int.TryParse(ObjectFields.Text(seedSetting["value"]), NumberStyles.Integer, CultureInfo.InvariantCulture, out var given)
                ? given
                : SuggestionGenerator.StableSeed($"{ns}/{name}");
            generator = SuggestionGenerator.Create(algorithm, SearchParameter.ReadAll(spec), seed);
        }
        catch (SuggestionException e)
        {
            await Finish(experimentType, experiment, succeeded: false, "ExperimentFailed", $"Experiment has failed because the suggestion failed: {e.Message}", []);
            return;
        }

        var suggestion = await EnsureSuggestion(experiment, generator);
        var uid = ObjectFields.Uid(experiment);
        var trials = Store.List(TrialType!, ns).Items.Where(t => ObjectFields.IsControlledBy(t, uid)).ToList();
        var objective = spec["objective"];
        var maximize = ObjectFields.Text(objective?["type"]) != "minimize";
        var objectiveName = ObjectFields.Text(objective?["objectiveMetricName"]) ?? string.Empty;

        var succeeded = trials.Where(t => Conditions.IsTrue(t["status"], "Succeeded")).ToList();
        var failed = trials.Where(t => Conditions.IsTrue(t["status"], "Failed")).ToList();
        var unavailable = trials.Where(t => Conditions.IsTrue(t["status"], "MetricsUnavailable")).ToList();
        var running = trials.Except(succeeded).Except(failed).Except(unavailable).ToList();
        var completed = succeeded.Count + failed.Count + unavailable.Count;
        var best = succeeded
            .Select(t => (Trial: t, Value: ObjectiveValue(t, objectiveName, maximize)))
            .Where(t => t.Value is not null)
            .OrderBy(t => maximize ? -t.Value!.Value : t.Value!.Value)
            .FirstOrDefault();

        var maxTrials = spec["maxTrialCount"] is null ? (int?)null : (int)ObjectFields.Integer(spec["maxTrialCount"], 0);
        var maxFailed = spec["maxFailedTrialCount"] is null ? (int?)null : (int)ObjectFields.Integer(spec["maxFailedTrialCount"], 0);
        var parallel = (int)ObjectFields.Integer(spec["parallelTrialCount"], 3);
        var goal = double.TryParse(ObjectFields.Text(objective?["goal"]) ?? objective?["goal"]?.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var g) ? g : (double?)null;

        string? endReason = null;
        string? endMessage = null;
        var endSucceeded = true;
        if (maxFailed is { } failLimit && failed.Count > failLimit)
        {
            (endReason, endMessage, endSucceeded) = ("ExperimentFailed", "Experiment has failed because max failed count has reached", false);
        }
        else if (goal is { } target && best.Value is { } bestValue && (maximize ? bestValue >= target : bestValue <= target))
        {
            (endReason, endMessage) = ("ExperimentGoalReached", "Experiment has succeeded because Objective goal has reached");
        }
        else if (maxTrials is { } budget && completed >= budget)
        {
            (endReason, endMessage) = ("ExperimentMaxTrialsReached", "Experiment has succeeded because max trial count has reached");
        }
        else if (generator.GridSize is { } gridSize && trials.Count >= gridSize && running.Count == 0)
        {
            (endReason, endMessage) = ("ExperimentSuggestionEndReached", "Experiment has succeeded because suggestion service has reached the end");
        }

        var created = new List<JsonObject>();
        if (endReason is null)
        {
            var wanted = parallel - running.Count;
            if (maxTrials is { } budget)
            {
                wanted = Math.Min(wanted, budget - trials.Count);
            }

            for (var i = 0; i < wanted; i++)
            {
                var index = trials.Count + created.Count;
                if (generator.Suggest(index) is not { } assignments)
                {
                    break;
                }

                JsonObject trial;
                try
                {
                    trial = Trial(experiment, index, assignments);
                }
                catch (SuggestionException e)
                {
                    await Finish(experimentType, experiment, succeeded: false, "ExperimentFailed", $"Experiment has failed because a trial could not be rendered: {e.Message}", trials);
                    return;
                }

                await Tolerate(async () => created.Add(await Store.CreateAsync(TrialType!, trial)), 409);
            }

            await RecordSuggestions(suggestion, created);
        }

        var all = trials.Concat(created).ToList();
        await MutateStatus(experimentType, ns, name, status =>
        {
            var before = status.DeepClone();
            status["startTime"] ??= ObjectFields.Timestamp(Now);
            Conditions.Set(status, "Created", "True", "ExperimentCreated", "Experiment is created", Now, withUpdateTime: true);
            if (endReason is null)
            {
                Conditions.Set(status, "Running", "True", "ExperimentRunning", "Experiment is running", Now, withUpdateTime: true);
            }

            status["trials"] = all.Count;
            status["trialsSucceeded"] = succeeded.Count;
            status["trialsFailed"] = failed.Count;
            status["trialsRunning"] = running.Count + created.Count;
            status["trialsPending"] = 0;
            status["trialMetricsUnavailable"] = unavailable.Count;
            status["succeededTrialList"] = Names(succeeded);
            status["failedTrialList"] = Names(failed);
            status["runningTrialList"] = Names(running.Concat(created));
            status["metricsUnavailableTrialList"] = Names(unavailable);
            if (best.Trial is not null)
            {
                status["currentOptimalTrial"] = new JsonObject
                {
                    ["bestTrialName"] = ObjectFields.Name(best.Trial),
                    ["parameterAssignments"] = best.Trial["spec"]?["parameterAssignments"]?.DeepClone(),
                    ["observation"] = best.Trial["status"]?["observation"]?.DeepClone(),
                };
            }

            if (endReason is not null)
            {
                EndConditions(status, endSucceeded, endReason, endMessage!);
            }

            if (ObjectFields.SameJson(before, status))
            {
                return false;
            }

            status["lastReconcileTime"] = ObjectFields.Timestamp(Now);
            return true;
        });

        if (endReason is not null)
        {
            Events.Normal(experiment, endSucceeded ? "ExperimentSucceeded" : "ExperimentFailed", endMessage!);
            await MarkSuggestionDone(suggestion, endSucceeded);
        }

        return;
    }

    private static JsonArray Names(IEnumerable<JsonObject> trials) => new(trials.Select(t => (JsonNode?)ObjectFields.Name(t)).ToArray());

    /// <summary>The trial's objective value under the objective's strategy (max when maximising, min otherwise, as
    /// Katib's default metric strategies), or null when the trial reported none.</summary>
    private static double? ObjectiveValue(JsonObject trial, string metric, bool maximize)
    {
        var observed = (trial["status"]?["observation"]?["metrics"] as JsonArray ?? []).FirstOrDefault(m => ObjectFields.Text(m?["name"]) == metric);
        var text = ObjectFields.Text(observed?[maximize ? "max" : "min"]) ?? ObjectFields.Text(observed?["latest"]);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private void EndConditions(JsonObject status, bool succeeded, string reason, string message)
    {
        if (Conditions.Find(status, "Running") is not null)
        {
            Conditions.Set(status, "Running", "False", reason, message, Now, withUpdateTime: true);
        }

        Conditions.Set(status, succeeded ? "Succeeded" : "Failed", "True", reason, message, Now, withUpdateTime: true);
        status["completionTime"] = ObjectFields.Timestamp(Now);
    }

    private async Task Finish(ResourceType experimentType, JsonObject experiment, bool succeeded, string reason, string message, IReadOnlyList<JsonObject> trials)
    {
        await MutateStatus(experimentType, ObjectFields.Namespace(experiment), ObjectFields.Name(experiment), status =>
        {
            status["startTime"] ??= ObjectFields.Timestamp(Now);
            Conditions.Set(status, "Created", "True", "ExperimentCreated", "Experiment is created", Now, withUpdateTime: true);
            status["trials"] = trials.Count;
            EndConditions(status, succeeded, reason, message);
            return true;
        });
        Events.Warning(experiment, reason, message);
    }

    private async Task<JsonObject> EnsureSuggestion(JsonObject experiment, SuggestionGenerator generator)
    {
        var ns = ObjectFields.Namespace(experiment);
        var name = ObjectFields.Name(experiment);
        if (Store.TryGet(SuggestionType!, ns, name) is { } existing)
        {
            return existing;
        }

        var suggestion = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1beta1",
            ["kind"] = "Suggestion",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { [ExperimentLabel] = name },
                ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(experiment)),
            },
            ["spec"] = new JsonObject
            {
                ["algorithm"] = experiment["spec"]?["algorithm"]?.DeepClone() ?? new JsonObject { ["algorithmName"] = "random" },
                ["requests"] = 0,
                ["resumePolicy"] = ObjectFields.Text(experiment["spec"]?["resumePolicy"]) ?? "Never",
            },
        };
        JsonObject created;
        try
        {
            created = await Store.CreateAsync(SuggestionType!, suggestion);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            return await Store.ReadAsync(SuggestionType!, ns, name, CancellationToken.None) ?? throw StatusErrors.NotFound(SuggestionType!, name);
        }

        await MutateStatus(SuggestionType!, ns, name, status =>
        {
            status["startTime"] = ObjectFields.Timestamp(Now);
            Conditions.Set(status, "Created", "True", "SuggestionCreated", "Suggestion is created", Now, withUpdateTime: true);
            Conditions.Set(status, "DeploymentReady", "True", "DeploymentReady", "Deployment is ready", Now, withUpdateTime: true);
            Conditions.Set(status, "Running", "True", "SuggestionRunning", "Suggestion is running", Now, withUpdateTime: true);
            status["suggestionCount"] = 0;
            return true;
        });
        if (generator.Note is { } note)
        {
            Events.Warning(created, "AlgorithmSimulated", $"The local cluster has no {ObjectFields.Text(experiment["spec"]?["algorithm"]?["algorithmName"])} service: {note}.");
        }

        return created;
    }

    private async Task RecordSuggestions(JsonObject suggestion, IReadOnlyList<JsonObject> created)
    {
        if (created.Count == 0)
        {
            return;
        }

        var ns = ObjectFields.Namespace(suggestion);
        var name = ObjectFields.Name(suggestion);
        int count = 0;
        await MutateStatus(SuggestionType!, ns, name, status =>
        {
            var list = status["suggestions"] as JsonArray ?? (JsonArray)(status["suggestions"] = new JsonArray());
            foreach (var trial in created)
            {
                list.Add(new JsonObject
                {
                    ["name"] = ObjectFields.Name(trial),
                    ["parameterAssignments"] = trial["spec"]?["parameterAssignments"]?.DeepClone(),
                });
            }

            count = list.Count;
            status["suggestionCount"] = count;
            return true;
        });
        await Tolerate(() => Store.MutateAsync(SuggestionType!, ns, name, s =>
        {
            ObjectFields.Child(s, "spec")["requests"] = count;
            return true;
        }), 404);
    }

    private Task<bool> MarkSuggestionDone(JsonObject suggestion, bool succeeded) =>
        MutateStatus(SuggestionType!, ObjectFields.Namespace(suggestion), ObjectFields.Name(suggestion), status =>
        {
            if (Conditions.Find(status, "Running") is not null)
            {
                Conditions.Set(status, "Running", "False", succeeded ? "SuggestionSucceeded" : "SuggestionFailed", "Experiment has finished", Now, withUpdateTime: true);
            }

            return Conditions.Set(status, succeeded ? "Succeeded" : "Failed", "True", succeeded ? "SuggestionSucceeded" : "SuggestionFailed", "Experiment has finished", Now, withUpdateTime: true);
        });

    /// <summary>A Trial for suggestion number <paramref name="index"/>: its name, parameter assignments, objective and
    /// the trial template rendered with <c>${trialParameters.x}</c> and <c>${trialSpec.Name}</c>-style placeholders.</summary>
    private JsonObject Trial(JsonObject experiment, int index, IReadOnlyList<KeyValuePair<string, string>> assignments)
    {
        var ns = ObjectFields.Namespace(experiment);
        var experimentName = ObjectFields.Name(experiment);
        var name = $"{experimentName}-{TrialSuffix(ObjectFields.Uid(experiment), index)}";
        var template = experiment["spec"]?["trialTemplate"] ?? throw new SuggestionException("spec.trialTemplate is required");
        if (template["trialSpec"] is not JsonObject trialSpec)
        {
            throw new SuggestionException("spec.trialTemplate.trialSpec is required (the local cluster does not read trial templates from ConfigMaps)");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trialSpec.Name"] = name,
            ["trialSpec.Namespace"] = ns,
            ["trialSpec.Kind"] = ObjectFields.Text(trialSpec["kind"]) ?? string.Empty,
            ["trialSpec.APIVersion"] = ObjectFields.Text(trialSpec["apiVersion"]) ?? string.Empty,
        };
        foreach (var parameter in (template["trialParameters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var placeholder = ObjectFields.Text(parameter["name"]) ?? string.Empty;
            var reference = ObjectFields.Text(parameter["reference"]) ?? placeholder;

            // A metadata reference (${trialSpec.Name}, ...) takes the trial's metadata, as Katib's manifest generator
            // does (https://www.kubeflow.org/docs/components/katib/user-guides/trial-template/#use-metadata-in-trial-template).
            if (reference.StartsWith("${trialSpec.", StringComparison.Ordinal) && reference.EndsWith('}'))
            {
                values["trialParameters." + placeholder] = values.GetValueOrDefault(reference[2..^1])
                    ?? throw new SuggestionException($"trialParameters '{placeholder}' references '{reference}', which is not trial metadata the local cluster knows (Name, Namespace, Kind, APIVersion)");
                continue;
            }

            var assignment = assignments.FirstOrDefault(a => a.Key == reference);
            if (assignment.Key is null)
            {
                throw new SuggestionException($"trialParameters '{placeholder}' references '{reference}', which is not a parameter of the search space");
            }

            values["trialParameters." + placeholder] = assignment.Value;
        }

        var text = Placeholder().Replace(trialSpec.ToJsonString(), match =>
        {
            var key = match.Groups["key"].Value;
            if (!values.TryGetValue(key, out var value))
            {
                throw new SuggestionException($"the trial template uses ${{{key}}}, which is not defined in trialParameters");
            }

            // The value lands inside a JSON string: escape it as one.
            return JsonSerializer.Serialize(value)[1..^1];
        });
        var runSpec = (JsonObject)JsonNode.Parse(text)!;
        var runMetadata = ObjectFields.Metadata(runSpec);
        runMetadata["name"] = name;
        runMetadata["namespace"] = ns;

        var trialLabels = new JsonObject { [ExperimentLabel] = experimentName };
        return new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1beta1",
            ["kind"] = "Trial",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = trialLabels,
                ["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(experiment)),
            },
            ["spec"] = new JsonObject
            {
                ["objective"] = experiment["spec"]?["objective"]?.DeepClone(),
                ["parameterAssignments"] = new JsonArray(assignments.Select(a => (JsonNode?)new JsonObject { ["name"] = a.Key, ["value"] = a.Value }).ToArray()),
                ["runSpec"] = runSpec,
                ["metricsCollector"] = experiment["spec"]?["metricsCollectorSpec"]?.DeepClone() ?? new JsonObject { ["collector"] = new JsonObject { ["kind"] = "StdOut" } },
                ["primaryContainerName"] = ObjectFields.Text(template["primaryContainerName"]),
                ["successCondition"] = ObjectFields.Text(template["successCondition"]),
                ["failureCondition"] = ObjectFields.Text(template["failureCondition"]),
                ["retainRun"] = template["retain"]?.DeepClone(),
                ["labels"] = new JsonObject { [ExperimentLabel] = experimentName },
            },
        };
    }

    /// <summary>Katib names trials <c>{experiment}-{8 random letters}</c>; these are derived from the experiment and
    /// the trial number so that a rerun names them alike.</summary>
    private static string TrialSuffix(string experimentUid, int index)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var random = new Random(SuggestionGenerator.StableSeed($"{experimentUid}/{index}"));
        return new string(Enumerable.Range(0, 8).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    [GeneratedRegex(@"\$\{(?<key>trial(?:Parameters|Spec)\.[^}]+)\}")]
    private static partial Regex Placeholder();
}
