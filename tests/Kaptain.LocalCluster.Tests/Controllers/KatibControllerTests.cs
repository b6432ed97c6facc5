using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

public sealed class KatibControllerTests(SimulatedCluster cluster) : IClassFixture<SimulatedCluster>
{
    private const string Katib = "kubeflow.org/v1beta1";

    // Katib's StdOut collector is injected only into namespaces with this label.
    private static readonly Dictionary<string, string> Injection = new() { ["katib.kubeflow.org/metrics-collector-injection"] = "enabled" };

    private static JsonObject Experiment(string name, string scenario, JsonArray parameters, string algorithm = "random", int parallel = 2, int maxTrials = 3, int maxFailed = 1, double? goal = null, bool retain = true)
    {
        var objective = new JsonObject { ["type"] = "maximize", ["objectiveMetricName"] = "accuracy", ["additionalMetricNames"] = new JsonArray("loss") };
        if (goal is { } g)
        {
            objective["goal"] = g;
        }

        return new JsonObject
        {
            ["apiVersion"] = Katib,
            ["kind"] = "Experiment",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["objective"] = objective,
                ["algorithm"] = new JsonObject { ["algorithmName"] = algorithm, ["algorithmSettings"] = new JsonArray(new JsonObject { ["name"] = "random_state", ["value"] = "7" }) },
                ["parallelTrialCount"] = parallel,
                ["maxTrialCount"] = maxTrials,
                ["maxFailedTrialCount"] = maxFailed,
                ["parameters"] = parameters,
                ["trialTemplate"] = new JsonObject
                {
                    ["primaryContainerName"] = "training",
                    ["retain"] = retain,
                    ["trialParameters"] = new JsonArray(new JsonObject { ["name"] = "learningRate", ["description"] = "learning rate", ["reference"] = "lr" }),
                    ["trialSpec"] = new JsonObject
                    {
                        ["apiVersion"] = "batch/v1",
                        ["kind"] = "Job",
                        ["spec"] = new JsonObject
                        {
                            ["template"] = new JsonObject
                            {
                                ["spec"] = new JsonObject
                                {
                                    ["restartPolicy"] = "Never",
                                    ["containers"] = new JsonArray(new JsonObject
                                    {
                                        ["name"] = "training",
                                        ["image"] = "kaptain/train:1",
                                        ["args"] = new JsonArray("--lr=${trialParameters.learningRate}"),
                                        ["env"] = new JsonArray(new JsonObject { ["name"] = "LOCAL_CLUSTER_SCENARIO", ["value"] = scenario }),
                                    }),
                                },
                            },
                        },
                    },
                },
            },
        };
    }

    private static JsonArray LearningRate() => new(new JsonObject
    {
        ["name"] = "lr",
        ["parameterType"] = "double",
        ["feasibleSpace"] = new JsonObject { ["min"] = "0.001", ["max"] = "0.05" },
    });

    [Fact]
    public async Task Runs_trials_with_suggested_parameters_until_the_budget_is_spent()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-ok", token, Injection);
        await cluster.CreateAsync(Katib, "experiments", ns, Experiment("tune", "succeed after=200ms; metric accuracy=\"0.9-abs(lr-0.01)*10\"; metric loss=\"lr*2\"", LearningRate()).ToJsonString(), token);

        var experiment = await cluster.WaitForAsync(Katib, "experiments", ns, "tune", e => SimulatedCluster.HasCondition(e, "Succeeded"), token);

        Assert.Equal("ExperimentMaxTrialsReached", SimulatedCluster.ConditionReason(experiment, "Succeeded"));
        Assert.Equal(3, experiment["status"]!["trialsSucceeded"]!.GetValue<int>());
        var trials = await cluster.ListAsync(Katib, "trials", ns, token, "katib.kubeflow.org/experiment=tune");
        Assert.Equal(3, trials.Count);
        var accuracies = new Dictionary<string, double>();
        foreach (var trial in trials)
        {
            var name = trial["metadata"]!["name"]!.GetValue<string>();
            var lr = trial["spec"]!["parameterAssignments"]![0]!["value"]!.GetValue<string>();
            var job = await cluster.GetAsync("batch/v1", "jobs", ns, name, token);
            Assert.Equal($"--lr={lr}", job["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]![0]!.GetValue<string>());
            Assert.Equal(trial["metadata"]!["uid"]!.GetValue<string>(), job["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
            var accuracy = trial["status"]!["observation"]!["metrics"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "accuracy")!;
            var expected = 0.9 - (Math.Abs(double.Parse(lr, CultureInfo.InvariantCulture) - 0.01) * 10);
            Assert.Equal(expected, double.Parse(accuracy["latest"]!.GetValue<string>(), CultureInfo.InvariantCulture), 4);
            accuracies[name] = expected;
        }

        var best = experiment["status"]!["currentOptimalTrial"]!;
        Assert.Equal(accuracies.MaxBy(a => a.Value).Key, best["bestTrialName"]!.GetValue<string>());
        var suggestion = await cluster.GetAsync(Katib, "suggestions", ns, "tune", token);
        Assert.Equal(3, suggestion["status"]!["suggestions"]!.AsArray().Count);
    }

    [Fact]
    public async Task Succeeds_as_soon_as_the_goal_is_reached()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-goal", token, Injection);
        await cluster.CreateAsync(Katib, "experiments", ns, Experiment("goal", "succeed after=100ms", LearningRate(), parallel: 1, maxTrials: 10, goal: 0.1).ToJsonString(), token);

        var experiment = await cluster.WaitForAsync(Katib, "experiments", ns, "goal", e => SimulatedCluster.HasCondition(e, "Succeeded"), token);

        Assert.Equal("ExperimentGoalReached", SimulatedCluster.ConditionReason(experiment, "Succeeded"));
        Assert.Equal(1, experiment["status"]!["trials"]!.GetValue<int>());
        Assert.NotNull(experiment["status"]!["currentOptimalTrial"]!["bestTrialName"]);
    }

    [Fact]
    public async Task Fails_when_more_trials_fail_than_allowed()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-fail", token, Injection);
        await cluster.CreateAsync(Katib, "experiments", ns, Experiment("broken", "fail after=100ms", LearningRate(), parallel: 1, maxTrials: 5, maxFailed: 1).ToJsonString(), token);

        var experiment = await cluster.WaitForAsync(Katib, "experiments", ns, "broken", e => SimulatedCluster.HasCondition(e, "Failed"), token);

        Assert.Equal("ExperimentFailed", SimulatedCluster.ConditionReason(experiment, "Failed"));
        Assert.Equal(2, experiment["status"]!["trialsFailed"]!.GetValue<int>());
        var trial = (await cluster.ListAsync(Katib, "trials", ns, token)).First();
        Assert.Equal("TrialFailed", SimulatedCluster.ConditionReason(trial, "Failed"));
    }

    [Fact]
    public async Task Trials_of_a_TFJob_template_read_metrics_from_the_replica_pods()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-tfjob", token, Injection);
        var experiment = Experiment("tftune", "unused", LearningRate(), parallel: 1, maxTrials: 1);
        var container = new JsonObject
        {
            ["name"] = "tensorflow",
            ["image"] = "kaptain/train:1",
            ["args"] = new JsonArray("--lr=${trialParameters.learningRate}"),
            ["env"] = new JsonArray(new JsonObject { ["name"] = "LOCAL_CLUSTER_SCENARIO", ["value"] = "succeed after=100ms; metric accuracy=\"lr*10\"" }),
        };
        experiment["spec"]!["trialTemplate"]!["primaryContainerName"] = "tensorflow";
        experiment["spec"]!["trialTemplate"]!["trialSpec"] = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1",
            ["kind"] = "TFJob",
            ["spec"] = new JsonObject
            {
                ["tfReplicaSpecs"] = new JsonObject
                {
                    ["Worker"] = new JsonObject
                    {
                        ["replicas"] = 1,
                        ["restartPolicy"] = "Never",
                        ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(container) } },
                    },
                },
            },
        };
        await cluster.CreateAsync(Katib, "experiments", ns, experiment.ToJsonString(), token);

        var done = await cluster.WaitForAsync(Katib, "experiments", ns, "tftune", e => SimulatedCluster.HasCondition(e, "Succeeded"), token);

        var trial = Assert.Single(await cluster.ListAsync(Katib, "trials", ns, token));
        var lr = double.Parse(trial["spec"]!["parameterAssignments"]![0]!["value"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var accuracy = trial["status"]!["observation"]!["metrics"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "accuracy")!;
        Assert.Equal(lr * 10, double.Parse(accuracy["latest"]!.GetValue<string>(), CultureInfo.InvariantCulture), 4);
        Assert.Equal(trial["metadata"]!["name"]!.GetValue<string>(), done["status"]!["currentOptimalTrial"]!["bestTrialName"]!.GetValue<string>());
        Assert.NotNull(await cluster.GetAsync("kubeflow.org/v1", "tfjobs", ns, trial["metadata"]!["name"]!.GetValue<string>(), token));
    }

    [Fact]
    public async Task A_grid_ends_when_every_combination_ran()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-grid", token, Injection);
        var parameters = new JsonArray(
            new JsonObject { ["name"] = "lr", ["parameterType"] = "double", ["feasibleSpace"] = new JsonObject { ["min"] = "0.01", ["max"] = "0.02", ["step"] = "0.01" } },
            new JsonObject { ["name"] = "optimizer", ["parameterType"] = "categorical", ["feasibleSpace"] = new JsonObject { ["list"] = new JsonArray("sgd") } });
        await cluster.CreateAsync(Katib, "experiments", ns, Experiment("grid", "succeed after=100ms", parameters, algorithm: "grid", maxTrials: 10).ToJsonString(), token);

        var experiment = await cluster.WaitForAsync(Katib, "experiments", ns, "grid", e => SimulatedCluster.HasCondition(e, "Succeeded"), token);

        Assert.Equal("ExperimentSuggestionEndReached", SimulatedCluster.ConditionReason(experiment, "Succeeded"));
        var values = (await cluster.ListAsync(Katib, "trials", ns, token)).Select(t => t["spec"]!["parameterAssignments"]![0]!["value"]!.GetValue<string>()).Order();
        Assert.Equal(["0.01", "0.02"], values);
    }

    [Fact]
    public async Task Without_the_injection_label_trials_succeed_but_record_no_metrics()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-nolabel", token);
        await cluster.CreateAsync(Katib, "experiments", ns, Experiment("tune", "succeed after=100ms; metric accuracy=\"0.9\"", LearningRate(), parallel: 1, maxTrials: 1, maxFailed: 0).ToJsonString(), token);

        await cluster.WaitForAsync(Katib, "experiments", ns, "tune", e => SimulatedCluster.HasCondition(e, "Succeeded") || SimulatedCluster.HasCondition(e, "Failed"), token);
        var trial = Assert.Single(await cluster.ListAsync(Katib, "trials", ns, token, "katib.kubeflow.org/experiment=tune"));
        Assert.True(SimulatedCluster.HasCondition(trial, "MetricsUnavailable"));

        var job = await cluster.GetAsync("batch/v1", "jobs", ns, trial["metadata"]!["name"]!.GetValue<string>(), token);
        Assert.True(SimulatedCluster.HasCondition(job, "Complete"));
        Assert.All(trial["status"]!["observation"]!["metrics"]!.AsArray(), m => Assert.Equal("unavailable", m!["latest"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_completed_trials_job_is_deleted_unless_the_template_retains_it()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("katib-noretain", token, Injection);
        await cluster.CreateAsync(Katib, "experiments", ns, Experiment("tune", "succeed after=100ms; metric accuracy=\"0.9\"", LearningRate(), parallel: 1, maxTrials: 1, maxFailed: 0, retain: false).ToJsonString(), token);

        await cluster.WaitForAsync(Katib, "experiments", ns, "tune", e => SimulatedCluster.HasCondition(e, "Succeeded"), token);
        var trial = Assert.Single(await cluster.ListAsync(Katib, "trials", ns, token, "katib.kubeflow.org/experiment=tune"));
        // The operators write through the API: the trial's own status may land just after the experiment's.
        await cluster.WaitForAsync(Katib, "trials", ns, trial["metadata"]!["name"]!.GetValue<string>(), t => SimulatedCluster.HasCondition(t, "Succeeded"), token);

        // Katib deletes the job once the trial has completed; bounded, since the deletion follows the trial's status.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await cluster.ListAsync("batch/v1", "jobs", ns, token)).Count > 0)
        {
            await Task.Delay(100, limit.Token);
        }
    }
}
