using Kaptain.Testing;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>
/// Real <c>dotnet cake</c> runs of samples/cake/build.cake against the local cluster, the S3 server and the registry:
/// each alias's success and failure, and an interrupted run that leaves nothing behind.
/// </summary>
[Collection(CakeLifecycleCollection.Name)]
public sealed class SampleScriptLifecycleTests(PackedAddin addin, CakeLifecycleServers servers)
{
    private static readonly string Script = RepositoryPaths.Combine("samples", "cake", "build.cake");

    [Fact]
    public async Task TrainBuildsTheImageTrainsAndKeepsTheJob()
    {
        var project = NewProject("cake-train");

        var result = await Cake(project, "Train").RunAsync(TestContext.Current.CancellationToken);

        AssertSucceeded(result);
        Assert.Contains("Image ", result.Log);
        var jobs = servers.Servers.ResourcesIn(project.Namespace).OfKind("PyTorchJob");
        Assert.Single(jobs);
        Assert.Contains($"PyTorchJob {jobs[0].Name}: Succeeded", result.Log);
        // Replica logs come through Cake's log with the pod prefix.
        Assert.Contains($"[{jobs[0].Name}-", result.Log);
        // Nothing of the image step is left: its Secrets and Job were removed.
        Assert.DoesNotContain(servers.Servers.ResourcesIn(project.Namespace).OfKind("Secret"), s => s.Label("kaptain.build/step") == "build-image");
    }

    [Fact]
    public async Task AFailedTrainingFailsTheTaskWithItsCodeAndRemovesTheJob()
    {
        var project = NewProject("cake-fail", "fail after=1s reason=Error exit=3");

        var result = await Cake(project, "Train").RunAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("KAPT1103", result.Log);
        AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task TuneReturnsTheBestHyperparameters()
    {
        var project = NewProject("cake-tune");

        var result = await Cake(project, "Tune").RunAsync(TestContext.Current.CancellationToken);

        AssertSucceeded(result);
        Assert.True(result.Log.Contains("best lr = ", StringComparison.Ordinal), result.ToString());
        Assert.True(File.Exists(Path.Combine(project.KaptainDirectory, "best-hyperparameters.props")), result.ToString());
        // WithDeleteExperiment: the experiment is gone.
        Assert.Empty(servers.Servers.ResourcesIn(project.Namespace).OfKind("Experiment"));
    }

    [Fact]
    public async Task CtrlCWhileTrainingRemovesEverythingTheRunCreated()
    {
        var project = NewProject("cake-sigint", "hang log=\"epoch 1 started\"");
        await using var running = Cake(project, "Train").Start();

        await running.WaitForLineAsync("epoch 1 started", TestContext.Current.CancellationToken);
        Assert.NotEmpty(servers.Servers.ResourcesIn(project.Namespace).OfKind("PyTorchJob"));
        // As a terminal does: SIGINT to the whole process group (the dotnet muxer and the Cake process it started).
        ProcessTree.Interrupt(running.Pid);
        var result = await running.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        AssertNothingLeft(project, result);
    }

    [Theory]
    [InlineData(UnixSignal.Terminate)]
    [InlineData(UnixSignal.Hangup)]
    public async Task ACiCancellationWhileTrainingRemovesEverythingTheRunCreated(int signal)
    {
        var project = NewProject($"cake-{UnixSignal.Name(signal).ToLowerInvariant()}", "hang log=\"epoch 1 started\"");
        await using var running = Cake(project, "Train").Start();

        await running.WaitForLineAsync("epoch 1 started", TestContext.Current.CancellationToken);
        Assert.NotEmpty(servers.Servers.ResourcesIn(project.Namespace).OfKind("PyTorchJob"));
        // As a CI runner or a closed terminal does: the signal to every process of the run.
        ProcessTree.Signal(running.Pid, signal);
        var result = await running.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Log.Contains("KAPT4020", StringComparison.Ordinal), result.ToString());
        AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task CleanupSweepsTheJournalsInTheProjectsOwnIntermediateFolder()
    {
        var project = NewProject("cake-sweep-path", "hang log=\"epoch 1 started\"");
        var text = File.ReadAllText(project.ProjectFile);
        File.WriteAllText(project.ProjectFile, text.Replace(
            "</Project>", "<PropertyGroup><KaptainIntermediateOutputPath>state/kaptain/</KaptainIntermediateOutputPath></PropertyGroup></Project>", StringComparison.Ordinal));
        // A dotnet build that is killed (SIGKILL: nothing can clean up) leaves its training job and its journal in the
        // project's intermediate folder.
        await using (var killed = project.Build("KaptainTrain").Start())
        {
            await killed.WaitForLineAsync("epoch 1 started", TestContext.Current.CancellationToken);
        }

        var journals = Directory.GetFiles(Path.Combine(project.Directory, "state", "kaptain"), "journal-*.jsonl");
        Assert.NotEmpty(journals);
        Assert.NotEmpty(servers.Servers.ResourcesIn(project.Namespace).OfKind("PyTorchJob"));

        var result = await Cake(project, "Cleanup").RunAsync(TestContext.Current.CancellationToken);

        AssertSucceeded(result);
        AssertNothingLeft(project, result);
    }

    private SampleProject NewProject(string name, string? scenario = null)
    {
        var project = servers.Servers.NewProject("mnist-pytorch", name);
        var text = File.ReadAllText(project.ProjectFile);
        // The definition the script reads is the project's own: script the workload and point it at this suite's
        // servers in the project, as a user edits it.
        var settings = $"""
              <PropertyGroup>
                <KaptainModelId>{project.ModelId}</KaptainModelId>
                <KaptainImageName>{project.ImageName}</KaptainImageName>
                <KaptainS3Bucket>{project.Bucket}</KaptainS3Bucket>
                <KaptainTrials>3</KaptainTrials>
                <KaptainParallelTrials>3</KaptainParallelTrials>
              </PropertyGroup>
              {(scenario is null ? string.Empty : $"<ItemGroup><KaptainEnvironmentVariable Include=\"LOCAL_CLUSTER_SCENARIO\" Value=\"{System.Security.SecurityElement.Escape(scenario)}\" /></ItemGroup>")}
            </Project>
            """;
        File.WriteAllText(project.ProjectFile, text[..text.LastIndexOf("</Project>", StringComparison.Ordinal)] + settings);
        return project;
    }

    private DotnetCommand Cake(SampleProject project, string target) =>
        addin.Cake(
                Script,
                $"--target={target}",
                $"--project={project.ProjectFile}",
                $"--kubeconfig={servers.Servers.KubeconfigPath}",
                $"--namespace={project.Namespace}",
                $"--s3-endpoint={servers.Servers.S3.Endpoint.ToString().TrimEnd('/')}",
                $"--registry={servers.Servers.Registry.Host}")
            .WithEnvironment("AWS_ACCESS_KEY_ID", servers.Servers.S3.AccessKey)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", servers.Servers.S3.SecretKey)
            .WithEnvironment("DOCKER_CONFIG", servers.Servers.DockerConfigDirectory)
            .WithEnvironment("KUBECONFIG", null)
            .WithEnvironment("KAPTAIN_SDK_FORCE_CLEANUP", null)
            .WithEnvironment("KAPTAIN_SDK_DELETE_EXPERIMENT", null);

    private static void AssertSucceeded(DotnetCommandResult result) =>
        Assert.True(result.ExitCode == 0, $"The Cake run failed.{Environment.NewLine}{result}");

    private void AssertNothingLeft(SampleProject project, DotnetCommandResult result)
    {
        var left = servers.Servers.ResourcesIn(project.Namespace);
        Assert.True(left.All.Count == 0, $"Left behind in {project.Namespace}:{Environment.NewLine}{left}{Environment.NewLine}{result}");
    }
}
