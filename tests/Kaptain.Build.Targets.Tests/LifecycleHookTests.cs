using Kaptain.Build.Targets.Tests.Infrastructure;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// The extension points of every lifecycle target, as a user's project uses them: its own KaptainBeforeXxx and
/// KaptainAfterXxx definitions run around the step (they are declared in the .props, so the project's come later and
/// win), and what it appends to KaptainXxxDependsOn runs too. The steps themselves need a cluster; here a definition
/// after the targets (which only a test can place there) stands in for each KaptainCoreXxx and says that it ran.
/// </summary>
[Collection(InProcessBuild.Collection)]
public sealed class LifecycleHookTests
{
    public static TheoryData<string> Steps => ["BuildImage", "Train", "Tune", "Publish", "PromoteCanary", "RollbackCanary", "Undeploy", "Cleanup"];

    // What each public target runs, in order, besides KaptainPrepareModel (the image step's markers come first for the
    // steps that use its image).
    private static readonly Dictionary<string, string[]> ExpectedDependsOn = new()
    {
        ["BuildImage"] = ["KaptainPrepareModel", "KaptainBeforeBuildImage", "KaptainCoreBuildImage", "KaptainAfterBuildImage"],
        ["Train"] = ["KaptainPrepareModel", "KaptainBuildImage", "KaptainBeforeTrain", "KaptainCoreTrain", "KaptainAfterTrain"],
        ["Tune"] = ["KaptainPrepareModel", "KaptainBuildImage", "KaptainBeforeTune", "KaptainCoreTune", "KaptainAfterTune"],
        ["Publish"] = ["KaptainPrepareModel", "KaptainBuildImage", "KaptainBeforePublish", "KaptainCorePublish", "KaptainAfterPublish"],
        ["PromoteCanary"] = ["KaptainPrepareModel", "KaptainBeforePromoteCanary", "KaptainCorePromoteCanary", "KaptainAfterPromoteCanary"],
        ["RollbackCanary"] = ["KaptainPrepareModel", "KaptainBeforeRollbackCanary", "KaptainCoreRollbackCanary", "KaptainAfterRollbackCanary"],
        ["Undeploy"] = ["KaptainPrepareModel", "KaptainBeforeUndeploy", "KaptainCoreUndeploy", "KaptainAfterUndeploy"],
        ["Cleanup"] = ["KaptainPrepareModel", "KaptainBeforeCleanup", "KaptainCoreCleanup", "KaptainAfterCleanup"],
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void The_DependsOn_list_runs_the_hooks_around_the_step_and_keeps_what_the_project_appends(string step)
    {
        using var model = new ModelProject(ModelProject.ValidBody + $"""
            <PropertyGroup>
              <Kaptain{step}DependsOn>MyOwn{step}</Kaptain{step}DependsOn>
            </PropertyGroup>
            """);
        var project = InProcessBuild.Evaluate(model.File);

        var element = project.Targets[$"Kaptain{step}"];
        Assert.Equal($"$(Kaptain{step}DependsOn)", element.DependsOnTargets.Trim());
        Assert.False(string.IsNullOrWhiteSpace(element.Returns), $"Kaptain{step} declares no Returns.");
        Assert.Contains("KaptainEnabled", element.Condition, StringComparison.Ordinal);
        Assert.Equal([.. ExpectedDependsOn[step], $"MyOwn{step}"], Split(project.GetPropertyValue($"Kaptain{step}DependsOn")));

        // Without a definition of the project's own, the hooks are the empty ones of the .props: declared before the
        // project's body, so that a definition in the body replaces them.
        foreach (var hook in new[] { $"KaptainBefore{step}", $"KaptainAfter{step}" })
        {
            Assert.True(project.Targets.ContainsKey(hook), $"{hook} is not declared.");
            Assert.Equal(Repository.PropsFile, project.Targets[hook].FullPath);
        }
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void The_projects_own_hooks_run_around_the_step(string step)
    {
        var hooks = string.Concat(new[] { "BuildImage", step }.Distinct().Select(s => $"""
            <Target Name="KaptainBefore{s}"><Message Importance="high" Text="hook: before {s}" /></Target>
            <Target Name="KaptainAfter{s}"><Message Importance="high" Text="hook: after {s}" /></Target>
            """));
        var standIns = string.Concat(ExpectedDependsOn.Keys.Select(s => $"""
            <Target Name="KaptainCore{s}"><Message Importance="high" Text="step: {s}" /></Target>
            """));
        using var model = new ModelProject(
            ModelProject.ValidBody + hooks + $"""
                <PropertyGroup>
                  <Kaptain{step}DependsOn>MyOwn{step}</Kaptain{step}DependsOn>
                </PropertyGroup>
                <Target Name="MyOwn{step}"><Message Importance="high" Text="appended: {step}" /></Target>
                """,
            afterTargets: standIns);

        var result = InProcessBuild.Build(model.File, $"Kaptain{step}").ShouldSucceed();

        var expected = new List<string>();
        if (ExpectedDependsOn[step].Contains("KaptainBuildImage"))
        {
            expected.AddRange(["hook: before BuildImage", "step: BuildImage", "hook: after BuildImage"]);
        }

        expected.AddRange([$"hook: before {step}", $"step: {step}", $"hook: after {step}", $"appended: {step}"]);
        var markers = result.Log.Text
            .Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("hook: ", StringComparison.Ordinal) || line.StartsWith("step: ", StringComparison.Ordinal) || line.StartsWith("appended: ", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.True(expected.SequenceEqual(markers), $"Expected {string.Join(" | ", expected)}, ran {string.Join(" | ", markers)}. Build log:{Environment.NewLine}{result.Log.Text}");
    }

    private static string[] Split(string list) =>
        list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
