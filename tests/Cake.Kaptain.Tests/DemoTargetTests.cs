using Kaptain.Testing;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>The README's first command: build/build.cake's Demo target runs a sample's whole lifecycle and stops what it started.</summary>
public sealed class DemoTargetTests
{
    [Fact]
    public async Task DemoRunsTheWholeLifecycleThroughThePackedPackage()
    {
        var result = await new DotnetCommand("cake", RepositoryPaths.Combine("build", "build.cake"), "--target=Demo", "--verbosity=normal")
            {
                WorkingDirectory = RepositoryPaths.Root,
            }
            .WithEnvironment("NO_COLOR", "1")
            .WithEnvironment("KUBECONFIG", null)
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var step in new[] { "KaptainBuildImage", "KaptainTrain", "KaptainTune", "KaptainPublish", "KaptainUndeploy" })
        {
            Assert.Contains($"==> dotnet build mnist-pytorch.proj -t:{step}", result.Log);
        }

        Assert.Contains("Local cluster ready at", result.Log);
        Assert.Contains("is ready at http://mnist-pytorch.default.example.com", result.Log);
        Assert.Contains("The lifecycle ran.", result.Log);
        // Everything it started is stopped: the servers' state is gone.
        Assert.False(File.Exists(RepositoryPaths.Combine("artifacts", "servers", "state")), result.ToString());
    }
}
