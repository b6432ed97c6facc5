using System.Text.Json;
using System.Xml.Linq;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>The tune step against the local cluster's Katib: trials, the best hyperparameters and what is left.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class TuningStepTests(LifecycleServers servers)
{
    private static readonly ImageReference Image = ImageReference.TryParse("127.0.0.1:5000/tests/model:1", out var image) ? image : throw new InvalidOperationException();

    private static LifecycleProject Tunable(LifecycleServers servers, string name)
    {
        var project = new LifecycleProject(servers, name);
        project.Properties[ModelProperties.Trials] = "4";
        project.Properties[ModelProperties.ParallelTrials] = "2";
        project.Properties[ModelProperties.FailedTrials] = "1";
        project.Properties[ModelProperties.ObjectiveType] = "maximize";
        return project;
    }

    [Fact]
    public async Task Tuning_reports_trials_and_writes_the_best_hyperparameters_where_a_build_imports_them()
    {
        using var project = Tunable(servers, "tune-ok");
        project.Scenario("succeed after=200ms; metric accuracy=\"1-abs(lr-0.01)\"");

        var result = await KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.Equal("Succeeded", result.State);
        Assert.False(result.ExperimentDeleted);
        Assert.Equal(["lr", "optimizer"], result.BestHyperparameters.Select(h => h.Key));
        Assert.Contains(result.BestTrial.Metrics, m => m.Key == "accuracy");
        Assert.Equal([$"Experiment/{result.ExperimentName}"], project.LeftByRuns());
        Assert.Contains(project.Resources(), r => r.Resource == $"Secret/{result.ExperimentName}-s3" && r.Owner == $"Experiment/{result.ExperimentName}");

        // Each trial wrote its model under a folder of its own (Katib's ${trialSpec.Name}), not over the trained model.
        var trials = $"models/tests/{project.Name}/0.0.1/trials/";
        var keys = await Kaptain.Testing.ServableModel.ListKeysAsync(servers.S3, "kaptain", trials, TestContext.Current.CancellationToken);
        Assert.Contains($"{trials}{result.BestTrial.Name}/config/config.properties", keys);
        Assert.Contains(project.Log.Lines, line => line.StartsWith("Trial ", StringComparison.Ordinal) && line.Contains("-> accuracy=", StringComparison.Ordinal) && line.EndsWith("(Succeeded)", StringComparison.Ordinal));
        Assert.Contains(project.Log.Lines, line => line.StartsWith("Best so far: trial ", StringComparison.Ordinal));

        Assert.Equal(Path.Combine(project.Intermediate, "best-hyperparameters.props"), result.HyperparametersPropsPath);
        var props = XDocument.Load(result.HyperparametersPropsPath);
        var items = props.Root!.Elements("ItemGroup").Elements(ModelItemTypes.Hyperparameter).Where(e => e.Attribute("Include") is not null).ToList();
        Assert.Equal(result.BestHyperparameters.Select(h => (h.Key, h.Value)), items.Select(e => (e.Attribute("Include")!.Value, e.Attribute("Value")!.Value)));
        Assert.Equal(["lr", "optimizer"], props.Root.Elements("ItemGroup").Elements(ModelItemTypes.Hyperparameter).Where(e => e.Attribute("Remove") is not null).Select(e => e.Attribute("Remove")!.Value));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(result.HyperparametersJsonPath, TestContext.Current.CancellationToken));
        Assert.Equal(result.ExperimentName, json.RootElement.GetProperty("experiment").GetString());
        Assert.Equal(result.BestHyperparameters.First(h => h.Key == "lr").Value, json.RootElement.GetProperty("hyperparameters").GetProperty("lr").GetString());
    }

    [Fact]
    public async Task The_experiment_is_deleted_when_the_environment_asks()
    {
        using var project = Tunable(servers, "tune-delete");
        project.Environment["KAPTAIN_SDK_DELETE_EXPERIMENT"] = "true";
        project.Scenario("succeed after=100ms; metric accuracy=\"lr\"");

        var result = await KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.True(result.ExperimentDeleted);
        Assert.Empty(project.LeftByRuns());
        Assert.Empty(project.Resources());
        Assert.True(File.Exists(result.HyperparametersPropsPath));
    }

    [Fact]
    public async Task A_failed_experiment_names_its_failed_trials_and_is_removed()
    {
        using var project = Tunable(servers, "tune-fail");
        project.Scenario("fail after=100ms; message=\"loss is NaN\"");

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1105", error.Diagnostics[0].Code);
        Assert.Empty(project.Resources());
        Assert.False(File.Exists(Path.Combine(project.Intermediate, "best-hyperparameters.props")));
    }

    [Fact]
    public async Task A_model_without_a_search_space_fails_before_anything_is_created()
    {
        using var project = Tunable(servers, "tune-nospace");
        project.Items.RemoveAll(i => i.ItemType == ModelItemTypes.SearchParameter);

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT2", error.Diagnostics[0].Code[..5]);
        Assert.Empty(project.Resources());
    }

    [Fact]
    public async Task Cancelling_while_trials_run_removes_the_experiment_and_its_trials()
    {
        using var project = Tunable(servers, "tune-cancel");
        project.Scenario("hang");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        project.Log.When(line => line.StartsWith("Trial ", StringComparison.Ordinal) && line.EndsWith("(Running)", StringComparison.Ordinal), _ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => KaptainLifecycle.TuneAsync(project.Options(Image), cancel.Token));

        Assert.Empty(project.Resources());
    }

    [Fact]
    public async Task An_experiment_that_outlives_the_timeout_is_reported_and_removed()
    {
        using var project = Tunable(servers, "tune-timeout");
        project.Properties[ModelProperties.TuneTimeout] = "2";
        project.Scenario("hang");

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1106", error.Diagnostics[0].Code);
        Assert.Empty(project.Resources());
    }

    [Fact]
    public async Task A_namespace_without_the_metrics_collector_label_fails_before_the_experiment_is_created()
    {
        using var project = Tunable(servers, "tune-nolabel");
        servers.Cluster.Store.Mutate(Kaptain.LocalCluster.Api.BuiltInResources.Namespace, null, project.Namespace, ns =>
        {
            ns["metadata"]!["labels"]!.AsObject().Remove("katib.kubeflow.org/metrics-collector-injection");
            return true;
        });

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1030", error.Diagnostics[0].Code);
        Assert.Contains($"kubectl label namespace {project.Namespace} katib.kubeflow.org/metrics-collector-injection=enabled", error.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Empty(project.Resources());
    }

    [Fact]
    public async Task With_many_trials_the_output_stays_short_and_every_trial_is_reported_once()
    {
        const int Trials = 120;
        using var project = Tunable(servers, "tune-many");
        project.Properties[ModelProperties.Trials] = Trials.ToString(System.Globalization.CultureInfo.InvariantCulture);
        project.Properties[ModelProperties.ParallelTrials] = "20";
        project.Scenario("succeed after=50ms; metric accuracy=\"1-abs(lr-0.01)\"");

        var result = await KaptainLifecycle.TuneAsync(project.Options(Image), TestContext.Current.CancellationToken);

        Assert.Equal("Succeeded", result.State);
        var trialType = servers.Cluster.Store.Resources.Get("kubeflow.org/v1beta1", "Trial");
        var onCluster = servers.Cluster.Store.List(trialType, project.Namespace).Items
            .Select(t => t["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Trials, onCluster.Count);

        // Every trial's end is one line of the detailed log: none missed, none twice.
        var ends = project.Log.Lines
            .Where(l => l.StartsWith("Trial ", StringComparison.Ordinal) && l.Contains(" -> accuracy=", StringComparison.Ordinal) && l.EndsWith("(Succeeded)", StringComparison.Ordinal))
            .Select(l => l["Trial ".Length..l.IndexOf(':', StringComparison.Ordinal)])
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(onCluster, ends);

        // What a build shows at normal verbosity: a summary every SummaryEvery ends, the best when it changes, the
        // final table; no line per trial.
        var info = project.Log.InfoLines;
        var summaries = info.Where(l => l.StartsWith("Trials: ", StringComparison.Ordinal) && l.Contains(" finished ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Trials / Math.Max(10, Trials / 20), summaries.Count);
        Assert.Equal($"Trials: {Trials} of {Trials} finished ({Trials} succeeded, 0 did not), 0 running or pending", summaries[^1]);
        Assert.DoesNotContain(info, l => l.StartsWith("Trial ", StringComparison.Ordinal));
        var bestLines = info.Count(l => l.StartsWith("Best so far: ", StringComparison.Ordinal));
        Assert.InRange(bestLines, 1, Trials);
        Assert.True(info.Count - bestLines <= 40, $"{info.Count} lines:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, info)}");

        // The run report names every trial once, and the best one is the best on the cluster.
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.Intermediate, "run-report-tune.json"), TestContext.Current.CancellationToken));
        Assert.Equal(onCluster, report.RootElement.GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        var best = servers.Cluster.Store.List(trialType, project.Namespace).Items
            .Select(t => (Name: t["metadata"]!["name"]!.GetValue<string>(), Accuracy: double.Parse(t["status"]!["observation"]!["metrics"]![0]!["latest"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)))
            .MaxBy(t => t.Accuracy);
        Assert.Equal(best.Accuracy, double.Parse(result.BestTrial.Metrics.Single(m => m.Key == "accuracy").Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
