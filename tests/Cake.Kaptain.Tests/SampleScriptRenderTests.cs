using Kaptain.Testing;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>Real <c>dotnet cake</c> runs of samples/cake/build.cake: the model comes from the model project.</summary>
public sealed class SampleScriptRenderTests(PackedAddin addin)
{
    private static readonly string Script = RepositoryPaths.Combine("samples", "cake", "build.cake");

    [Fact]
    public async Task RenderWritesEveryStepOfTheProjectsModel()
    {
        var project = addin.CopySample("mnist-pytorch");
        var result = await addin.Cake(Script, "--target=Render", $"--project={project}")
            .RunAsync(TestContext.Current.CancellationToken);

        result.EnsureExitCode();
        var manifests = Path.Combine(Path.GetDirectoryName(project)!, "obj", "kaptain", "manifests");
        foreach (var (file, kind) in new[] { ("build.yaml", "kind: Job"), ("train.yaml", "kind: PyTorchJob"), ("tune.yaml", "kind: Experiment"), ("publish.yaml", "kind: InferenceService") })
        {
            var path = Path.Combine(manifests, file);
            Assert.True(File.Exists(path), $"{file} was not written.{Environment.NewLine}{result}");
            Assert.Contains(kind, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        }

        // The id is the project's, not a default: the script read the definition from MSBuild.
        Assert.Contains("kaptain.build/model: dev-mnist-pytorch", await File.ReadAllTextAsync(Path.Combine(manifests, "train.yaml"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnInvalidModelFailsTheTaskWithItsCode()
    {
        var project = addin.CopySample("mnist-pytorch");
        var text = await File.ReadAllTextAsync(project, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(project, text.Replace("<KaptainFramework>pytorch</KaptainFramework>", "<KaptainFramework>caffe</KaptainFramework>"), TestContext.Current.CancellationToken);

        var result = await addin.Cake(Script, "--target=Render", $"--project={project}")
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("KAPT2002", result.Log);
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(project)!, "obj", "kaptain", "manifests")), result.ToString());
    }

    [Fact]
    public async Task SettingsInCodeOverrideTheProject()
    {
        var project = addin.CopySample("mnist-pytorch");
        var result = await addin.Cake(Script, "--target=Render", $"--project={project}", "--namespace=team-vision")
            .RunAsync(TestContext.Current.CancellationToken);

        result.EnsureExitCode();
        var train = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(project)!, "obj", "kaptain", "manifests", "train.yaml"), TestContext.Current.CancellationToken);
        Assert.Contains("namespace: team-vision", train);
        Assert.DoesNotContain("namespace: kaptain-dev", train);
    }
}
