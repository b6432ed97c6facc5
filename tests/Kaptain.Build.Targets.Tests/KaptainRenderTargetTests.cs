using Kaptain.Build.Targets.Tests.Infrastructure;
using Kaptain.Build.Validation;

namespace Kaptain.Build.Targets.Tests;

/// <summary>The KaptainRender target built in-process with the fresh task assembly, on generated model projects.</summary>
[Collection(InProcessBuild.Collection)]
public sealed class KaptainRenderTargetTests
{
    [Fact]
    public void Renders_every_step_and_returns_the_files()
    {
        using var model = new ModelProject();

        var result = InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        Assert.Equal(
            RenderedManifests.Steps.Select(model.Manifest),
            result.TargetOutputs.Select(i => i.GetMetadata("FullPath")));
        Assert.Equal(RenderedManifests.Steps, result.TargetOutputs.Select(i => i.GetMetadata("Step")));
        Assert.Equal(["Secret", "Secret", "Job"], RenderedManifests.Kinds(model.Manifest("build")).Order().Reverse());
        Assert.Equal(["Secret", "PyTorchJob"], RenderedManifests.Kinds(model.Manifest("train")));
        Assert.Equal(["Secret", "Experiment"], RenderedManifests.Kinds(model.Manifest("tune")));
        Assert.Equal(["InferenceService", "Secret", "ServiceAccount"], RenderedManifests.Kinds(model.Manifest("publish")).Order());
    }

    [Fact]
    public void An_invalid_model_logs_its_code_with_a_help_link_and_writes_nothing()
    {
        using var model = new ModelProject(ModelProject.ValidBody.Replace(">pytorch<", ">caffe<", StringComparison.Ordinal));

        var result = InProcessBuild.Build(model.File, "KaptainRender").ShouldFail();

        var error = Assert.Single(result.Log.Errors, e => e.Code == DiagnosticCodes.UnknownFramework);
        Assert.EndsWith("#" + DiagnosticCodes.UnknownFramework.ToLowerInvariant(), error.HelpLink, StringComparison.Ordinal);
        Assert.Equal(model.File, error.File);
        Assert.All(result.Log.Errors, e => Assert.StartsWith("KAPT2", e.Code, StringComparison.Ordinal));
        Assert.False(Directory.Exists(model.ManifestsDirectory) && Directory.EnumerateFileSystemEntries(model.ManifestsDirectory).Any());
    }

    [Fact]
    public void Every_validation_error_is_reported_at_once()
    {
        using var model = new ModelProject(ModelProject.ValidBody
            .Replace(">pytorch<", ">caffe<", StringComparison.Ordinal)
            .Replace(">train.py<", ">missing.py<", StringComparison.Ordinal));

        var result = InProcessBuild.Build(model.File, "KaptainRender").ShouldFail();

        Assert.Contains(DiagnosticCodes.UnknownFramework, result.ErrorCodes);
        Assert.Contains(DiagnosticCodes.FileNotFound, result.ErrorCodes);
    }

    [Fact]
    public void An_up_to_date_render_is_skipped_and_rewrites_nothing()
    {
        using var model = new ModelProject();
        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        var first = RenderedManifests.Timestamps(model.ManifestsDirectory);

        var second = InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        Assert.Contains("_KaptainRenderManifests", second.Log.SkippedTargets);
        Assert.DoesNotContain("KaptainRender", second.Log.ExecutedTasks);
        Assert.Equal(first, RenderedManifests.Timestamps(model.ManifestsDirectory));
        Assert.Equal(4, second.TargetOutputs.Count);
    }

    [Fact]
    public void A_changed_value_rewrites_only_the_files_whose_content_changed()
    {
        using var model = new ModelProject();
        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        var first = RenderedManifests.Timestamps(model.ManifestsDirectory);

        var second = InProcessBuild.Build(model.File, "KaptainRender", new Dictionary<string, string> { ["KaptainTrials"] = "7" })
            .ShouldSucceed();

        Assert.Contains("KaptainRender", second.Log.ExecutedTasks);
        var after = RenderedManifests.Timestamps(model.ManifestsDirectory);
        Assert.NotEqual(first["tune"], after["tune"]);
        Assert.Equal(first["build"], after["build"]);
        Assert.Equal(first["train"], after["train"]);
        Assert.Equal(first["publish"], after["publish"]);
        Assert.Contains("maxTrialCount: 7", File.ReadAllText(model.Manifest("tune")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_deleted_manifest_is_rendered_again()
    {
        using var model = new ModelProject();
        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        File.Delete(model.Manifest("train"));

        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        Assert.Equal(["Secret", "PyTorchJob"], RenderedManifests.Kinds(model.Manifest("train")));
    }

    [Fact]
    public void A_changed_manifests_directory_is_rendered_into()
    {
        using var model = new ModelProject();
        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        var elsewhere = Path.Combine(model.Directory, "elsewhere") + Path.DirectorySeparatorChar;

        var second = InProcessBuild.Build(model.File, "KaptainRender", new Dictionary<string, string> { ["KaptainManifestsDirectory"] = elsewhere })
            .ShouldSucceed();

        Assert.Contains("KaptainRender", second.Log.ExecutedTasks);
        Assert.Equal(RenderedManifests.Steps.Select(step => Path.Combine(elsewhere, step + ".yaml")), second.TargetOutputs.Select(i => i.GetMetadata("FullPath")));
        Assert.Equal(["Secret", "PyTorchJob"], RenderedManifests.Kinds(Path.Combine(elsewhere, "train.yaml")));
    }

    [Fact]
    public void The_rendered_docker_config_secret_stays_a_docker_config()
    {
        using var model = new ModelProject();

        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        var yaml = File.ReadAllText(model.Manifest("build"));
        var encoded = System.Text.RegularExpressions.Regex.Match(yaml, @"\.dockerconfigjson: (?<v>\S+)").Groups["v"].Value;
        using var config = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(encoded.Trim('"')));
        var entry = Assert.Single(config.RootElement.GetProperty("auths").EnumerateObject());
        Assert.Equal("REDACTED", entry.Value.GetProperty("auth").GetString());
    }

    [Fact]
    public void A_changed_training_script_is_rendered_again()
    {
        using var model = new ModelProject();
        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        var build = File.ReadAllText(model.Manifest("build"));

        // The image tag derives from the build context checksum, so a new script is a new image.
        File.WriteAllText(Path.Combine(model.Directory, "train.py"), "print('accuracy=0.95')\n");
        File.SetLastWriteTimeUtc(Path.Combine(model.Directory, "train.py"), DateTime.UtcNow.AddSeconds(5));
        var second = InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        Assert.Contains("KaptainRender", second.Log.ExecutedTasks);
        Assert.NotEqual(build, File.ReadAllText(model.Manifest("build")));
    }

    [Fact]
    public void A_model_that_does_not_tune_renders_the_other_steps_and_drops_a_stale_tune_file()
    {
        using var model = new ModelProject();
        InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        Assert.True(File.Exists(model.Manifest("tune")));

        model.Write(ModelProject.ValidBody
            .Replace("<KaptainObjectives>accuracy</KaptainObjectives>", string.Empty, StringComparison.Ordinal)
            .Replace("<KaptainSearchParameter Include=\"lr\" Type=\"double\" Min=\"0.01\" Max=\"0.1\" />", string.Empty, StringComparison.Ordinal));
        var result = InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();

        Assert.Equal(["build", "train", "publish"], result.TargetOutputs.Select(i => i.GetMetadata("Step")));
        Assert.False(File.Exists(model.Manifest("tune")), "A stale tune.yaml was left behind.");
        Assert.Empty(result.Log.Errors);

        // The next render is up to date although one step has no file.
        var again = InProcessBuild.Build(model.File, "KaptainRender").ShouldSucceed();
        Assert.Contains("_KaptainRenderManifests", again.Log.SkippedTargets);
        Assert.Equal(3, again.TargetOutputs.Count);
    }
}
