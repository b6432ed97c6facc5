using System.Text.Json.Nodes;
using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary><c>dotnet build -t:KaptainTune</c> on copies of the samples, with a small trial budget.</summary>
public abstract class TuneTests(EndToEndServers fixture) : LifecycleTest(fixture)
{
    private static readonly (string, string)[] SmallBudget = [("KaptainTrials", "4"), ("KaptainParallelTrials", "2")];

    [Fact]
    public async Task Tunes_returns_the_best_hyperparameters_in_an_importable_file_and_keeps_the_experiment()
    {
        var project = await NewProjectAsync("mnist-pytorch", "tune-ok", Token);

        var result = await RunAsync(project.Build("KaptainTune", SmallBudget));

        AssertSucceeded(result);
        var report = project.ReadRunReport("tune");
        Assert.Equal("Succeeded", report["state"]!.GetValue<string>());
        var experiment = report["experimentName"]!.GetValue<string>();
        await AssertKeptWithDependents(project, result, [$"Experiment/{experiment}"], RunId(project, "tune"));
        Assert.NotEmpty((await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("Trial"));

        // The best values as a later build sees them when it imports the file.
        var imported = await ImportedHyperparametersAsync(project);
        Assert.Equal(["lr", "momentum", "optimizer"], imported.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(imported["optimizer"], (string[])["sgd", "adam"]);
    }

    [Theory]
    [InlineData("KaptainDeleteExperiment")]
    [InlineData("KAPTAIN_SDK_DELETE_EXPERIMENT")]
    public async Task Deletes_the_experiment_when_asked_to(string how)
    {
        var project = await NewProjectAsync("mnist-tensorflow", "tune-delete", Token);
        var command = how == "KaptainDeleteExperiment"
            ? project.Build("KaptainTune", [.. SmallBudget, ("KaptainDeleteExperiment", "true")])
            : project.Build("KaptainTune", SmallBudget).WithEnvironment("KAPTAIN_SDK_DELETE_EXPERIMENT", "true");

        var result = await RunAsync(command);

        AssertSucceeded(result);
        Assert.Equal("Succeeded", project.ReadRunReport("tune")["state"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(project.KaptainDirectory, "best-hyperparameters.props")), result.Log);
        await AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task An_experiment_whose_trials_fail_reports_KAPT1105_and_removes_everything()
    {
        var project = await NewProjectAsync("mnist-pytorch", "tune-fail", Token);

        var result = await RunAsync(project.Build(
            "KaptainTune", [.. SmallBudget, ("KaptainFailedTrials", "1"), ("E2EWorkloadScenario", "fail after=300ms")]));

        AssertFailedWith(result, "KAPT1105");
        await AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task An_experiment_that_does_not_finish_in_time_reports_KAPT1106_and_removes_everything()
    {
        var project = await NewProjectAsync("mnist-pytorch", "tune-timeout", Token);

        var result = await RunAsync(project.Build(
            "KaptainTune", [.. SmallBudget, ("KaptainTuneTimeout", "3"), ("E2EWorkloadScenario", "hang")]));

        AssertFailedWith(result, "KAPT1106");
        await AssertNothingLeft(project, result);
    }

    [Theory]
    [MemberData(nameof(StopSignals))]
    public async Task Ctrl_C_while_trials_run_removes_the_experiment_and_everything_it_started(int signal)
    {
        var project = await NewProjectAsync("mnist-tensorflow", $"tune-{UnixSignal.Name(signal).ToLowerInvariant()}", Token);

        var result = await InterruptAsync(
            project.Build("KaptainTune", [.. SmallBudget, ("E2EWorkloadScenario", "hang")]), "Created Experiment", signal);

        AssertStopped(result, signal);
        await AssertNothingLeft(project, result);
        AssertNoJournal(project, result);
    }

    private static async Task<Dictionary<string, string>> ImportedHyperparametersAsync(SampleProject project)
    {
        var importer = Path.Combine(project.Directory, "..", "import-best.proj");
        var props = Path.Combine(project.KaptainDirectory, "best-hyperparameters.props");
        await File.WriteAllTextAsync(importer, $"""<Project><Import Project="{props}" /><Target Name="Build" /></Project>""", Token);
        var result = await new DotnetCommand("msbuild", importer, "-getItem:KaptainHyperparameter", "-nologo") { WorkingDirectory = project.Directory }
            .RunAsync(Token);
        result.EnsureExitCode(0);
        var json = JsonNode.Parse(result.Log[result.Log.IndexOf('{', StringComparison.Ordinal)..])!;
        return json["Items"]!["KaptainHyperparameter"]!.AsArray()
            .ToDictionary(i => i!["Identity"]!.GetValue<string>(), i => i!["Value"]!.GetValue<string>());
    }
}
