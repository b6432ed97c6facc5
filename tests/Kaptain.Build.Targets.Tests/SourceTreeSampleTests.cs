using Kaptain.Build.Targets.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.Targets.Tests;

/// <summary>The in-repo samples render from the source tree: targets/ and a task assembly built on demand.</summary>
[Collection(DotnetProcesses.Collection)]
public sealed class SourceTreeSampleTests
{
    [Fact]
    public async Task The_pytorch_sample_renders_in_place()
    {
        var sample = Path.Combine(Repository.Samples, "mnist-pytorch");
        var manifests = Path.Combine(sample, "obj", "kaptain", "manifests");

        var result = await new DotnetCommand("build", sample, "-t:KaptainRender")
            .RunAsync(TestContext.Current.CancellationToken);

        result.EnsureExitCode();
        Assert.All(RenderedManifests.Steps, s => Assert.NotEmpty(RenderedManifests.Kinds(Path.Combine(manifests, s + ".yaml"))));
        Assert.Equal(["Secret", "PyTorchJob"], RenderedManifests.Kinds(Path.Combine(manifests, "train.yaml")));
    }
}
