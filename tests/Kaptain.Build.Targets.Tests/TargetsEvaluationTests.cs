using Kaptain.Build.Targets.Tests.Infrastructure;

namespace Kaptain.Build.Targets.Tests;

/// <summary>The public surface of the targets as MSBuild evaluates it: defaults, the switch, the DependsOn lists.</summary>
[Collection(InProcessBuild.Collection)]
public sealed class TargetsEvaluationTests
{
    [Fact]
    public void Defaults_derive_from_the_project_when_not_set()
    {
        using var model = new ModelProject(body: string.Empty, name: "Mnist-Classifier");
        var project = InProcessBuild.Evaluate(model.File);

        Assert.Equal("true", project.GetPropertyValue("KaptainEnabled"));
        Assert.Equal("mnist-classifier", project.GetPropertyValue("KaptainModelId"));
        Assert.Equal("AssemblyTaskFactory", project.GetPropertyValue("KaptainTaskFactory"));
        Assert.Equal(
            Path.TrimEndingDirectorySeparator(model.ManifestsDirectory),
            Path.TrimEndingDirectorySeparator(project.GetPropertyValue("KaptainManifestsDirectory")));
    }

    [Fact]
    public void Values_the_project_sets_win_over_defaults()
    {
        using var model = new ModelProject("""
            <PropertyGroup>
              <KaptainModelId>team/classifier</KaptainModelId>
              <KaptainManifestsDirectory>rendered/</KaptainManifestsDirectory>
              <KaptainTaskFactory>TaskHostFactory</KaptainTaskFactory>
            </PropertyGroup>
            """);
        var project = InProcessBuild.Evaluate(model.File);

        Assert.Equal("team/classifier", project.GetPropertyValue("KaptainModelId"));
        Assert.Equal("TaskHostFactory", project.GetPropertyValue("KaptainTaskFactory"));
        Assert.Equal(
            Path.Combine(model.Directory, "rendered") + Path.DirectorySeparatorChar,
            project.GetPropertyValue("KaptainManifestsDirectory"));
    }

    [Fact]
    public void The_task_assembly_defaults_to_the_package_tasks_folder()
    {
        using var model = new ModelProject();
        using var collection = new Microsoft.Build.Evaluation.ProjectCollection();
        var project = collection.LoadProject(model.File);

        var expected = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repository.TargetsFile)!, "..", "tasks", "net10.0", "Kaptain.Build.Tasks.dll"));
        Assert.Equal(expected, project.GetPropertyValue("KaptainTasksAssembly"));
    }

    [Fact]
    public void The_task_assembly_can_point_at_a_fresh_build()
    {
        using var model = new ModelProject();
        var project = InProcessBuild.Evaluate(model.File);

        Assert.Equal(Repository.FreshTasksAssembly, project.GetPropertyValue("KaptainTasksAssembly"));
        Assert.True(File.Exists(project.GetPropertyValue("KaptainTasksAssembly")));
    }

    [Fact]
    public void Public_targets_have_a_DependsOn_list_hooks_and_Returns()
    {
        using var model = new ModelProject();
        var project = InProcessBuild.Evaluate(model.File);

        foreach (var (target, dependsOn) in new[]
                 {
                     ("KaptainPrepareModel", "KaptainPrepareModelDependsOn"),
                     ("KaptainRender", "KaptainRenderDependsOn"),
                 })
        {
            var element = project.Targets[target];
            Assert.Equal($"$({dependsOn})", element.DependsOnTargets.Trim());
            Assert.False(string.IsNullOrWhiteSpace(element.Returns), $"{target} declares no Returns.");
            Assert.Contains("KaptainEnabled", element.Condition, StringComparison.Ordinal);
        }

        Assert.Equal(
            ["KaptainPrepareModel", "KaptainBeforeRender", "_KaptainComputeRenderInputs", "_KaptainRenderManifests", "_KaptainReadManifestFiles", "KaptainAfterRender"],
            Split(project.GetPropertyValue("KaptainRenderDependsOn")));
        Assert.True(project.Targets.ContainsKey("KaptainBeforeRender"));
        Assert.True(project.Targets.ContainsKey("KaptainAfterRender"));
    }

    [Fact]
    public void DependsOn_lists_keep_what_the_project_adds()
    {
        using var model = new ModelProject(ModelProject.ValidBody + """
            <PropertyGroup>
              <KaptainRenderDependsOn>MyCheck</KaptainRenderDependsOn>
              <KaptainPrepareModelDependsOn>MyPrepare</KaptainPrepareModelDependsOn>
            </PropertyGroup>
            """);
        var project = InProcessBuild.Evaluate(model.File);

        Assert.Equal("MyCheck", Split(project.GetPropertyValue("KaptainRenderDependsOn"))[^1]);
        Assert.Equal("MyPrepare", Split(project.GetPropertyValue("KaptainPrepareModelDependsOn"))[^1]);
    }

    [Fact]
    public void Hook_targets_run_around_the_render()
    {
        using var model = new ModelProject(ModelProject.ValidBody + """
            <Target Name="KaptainBeforeRender"><Message Importance="high" Text="hook: before" /></Target>
            <Target Name="KaptainAfterRender"><Message Importance="high" Text="hook: after @(KaptainManifestFile->Count()) manifests" /></Target>
            """);

        var result = InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        var log = result.Log.Text;
        var before = log.IndexOf("hook: before", StringComparison.Ordinal);
        var after = log.IndexOf("hook: after 4 manifests", StringComparison.Ordinal);
        Assert.True(before >= 0 && after > before, $"The hooks did not run in order. Build log:{Environment.NewLine}{log}");
    }

    [Fact]
    public void The_switch_turns_the_render_into_a_no_op()
    {
        using var model = new ModelProject();

        var result = InProcessBuild.Build(model.File, "KaptainRender", new Dictionary<string, string> { ["KaptainEnabled"] = "false" })
            .ShouldSucceed();

        Assert.DoesNotContain("KaptainRender", result.Log.ExecutedTasks);
        Assert.Empty(result.TargetOutputs);
        Assert.False(Directory.Exists(model.ManifestsDirectory), "Manifests were written although KaptainEnabled=false.");
    }

    private static string[] Split(string list) =>
        list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
