using Kaptain.Testing;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>
/// Real <c>dotnet cake</c> runs of samples/cake/build.cake against the local cluster, the S3 server and the registry:
/// each alias's success and failure, and an interrupted run that leaves nothing behind.
/// </summary>
/// <remarks>One suite, run on each engine (<see cref="SampleScriptLifecycleOnLocalClusterTests"/>,
/// <see cref="SampleScriptLifecycleOnRealControlPlaneTests"/>).</remarks>
public abstract class SampleScriptLifecycleTests(PackedAddin addin, SharedLifecycleServers servers) : IAsyncLifetime
{
    private static readonly string Script = RepositoryPaths.Combine("samples", "cake", "build.cake");

    private LifecycleServers? _servers;

    private LifecycleServers Servers => _servers ?? throw new InvalidOperationException("Not initialized.");

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _servers = await servers.GetAsync(TestContext.Current.CancellationToken);

    private readonly List<SampleProject> _projects = [];

    /// <summary>On the real control plane, where the script runs as a ServiceAccount bound only to the shipped Roles, a
    /// request of its aliases the server refused (403, from its audit log) fails the test, also one the client handled.</summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _servers?.AssertShippedRolesSufficed(_projects);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task TrainBuildsTheImageTrainsAndKeepsTheJob()
    {
        var project = await NewProject("cake-train");

        var result = await Cake(project, "Train").RunAsync(TestContext.Current.CancellationToken);

        AssertSucceeded(result);
        Assert.Contains("Image ", result.Log);
        var jobs = (await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken)).OfKind("PyTorchJob");
        Assert.Single(jobs);
        Assert.Contains($"PyTorchJob {jobs[0].Name}: Succeeded", result.Log);
        // Replica logs come through Cake's log with the pod prefix.
        Assert.Contains($"[{jobs[0].Name}-", result.Log);
        // Nothing of the image step is left: its Secrets and Job were removed.
        Assert.DoesNotContain((await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken)).OfKind("Secret"), s => s.Label("kaptain.build/step") == "build-image");
    }

    [Fact]
    public async Task AFailedTrainingFailsTheTaskWithItsCodeAndRemovesTheJob()
    {
        var project = await NewProject("cake-fail", "fail after=1s reason=Error exit=3");

        var result = await Cake(project, "Train").RunAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("KAPT1103", result.Log);
        await AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task TuneReturnsTheBestHyperparameters()
    {
        var project = await NewProject("cake-tune");

        var result = await Cake(project, "Tune").RunAsync(TestContext.Current.CancellationToken);

        AssertSucceeded(result);
        Assert.True(result.Log.Contains("best lr = ", StringComparison.Ordinal), result.ToString());
        Assert.True(File.Exists(Path.Combine(project.KaptainDirectory, "best-hyperparameters.props")), result.ToString());
        // WithDeleteExperiment: the experiment is gone.
        Assert.Empty((await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken)).OfKind("Experiment"));
    }

    [Fact]
    public async Task ACanaryIsRolledBackThenPromotedByItsAliases()
    {
        var project = await NewProject("cake-canary");
        var token = TestContext.Current.CancellationToken;
        await project.PutTrainedModelAsync(token);
        AssertSucceeded(await Cake(project, "Publish").RunAsync(token));
        var first = project.ReadRunReport("publish")["revision"]!.GetValue<string>();
        AssertSucceeded(await Cake(project, "Publish", "--canary=30").RunAsync(token));
        var canary = project.ReadRunReport("publish")["revision"]!.GetValue<string>();
        Assert.NotEqual(first, canary);

        var rollback = await Cake(project, "RollbackCanary").RunAsync(token);
        var promote = await Cake(project, "PromoteCanary").RunAsync(token);

        AssertSucceeded(rollback);
        Assert.True(rollback.Log.Contains($"serves revision {first} again at http", StringComparison.Ordinal), rollback.ToString());
        AssertSucceeded(promote);
        Assert.True(promote.Log.Contains($"serves revision {canary} at http", StringComparison.Ordinal), promote.ToString());
        var service = (await Servers.ResourcesInAsync(project.Namespace, token)).OfKind("InferenceService").Single();
        Assert.Null(service.Object["spec"]!["predictor"]!["canaryTrafficPercent"]);
    }

    [Fact]
    public async Task CtrlCWhileTrainingRemovesEverythingTheRunCreated()
    {
        var project = await NewProject("cake-sigint", "hang log=\"epoch 1 started\"");
        await using var running = Cake(project, "Train").Start();

        await running.WaitForLineAsync("epoch 1 started", TestContext.Current.CancellationToken);
        Assert.NotEmpty((await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken)).OfKind("PyTorchJob"));
        // As a terminal does: SIGINT to the whole process group (the dotnet muxer and the Cake process it started).
        ProcessTree.Interrupt(running.Pid);
        var result = await running.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        await AssertNothingLeft(project, result);
    }

    [Theory]
    [InlineData(UnixSignal.Terminate)]
    [InlineData(UnixSignal.Hangup)]
    public async Task ACiCancellationWhileTrainingRemovesEverythingTheRunCreated(int signal)
    {
        var project = await NewProject($"cake-{UnixSignal.Name(signal).ToLowerInvariant()}", "hang log=\"epoch 1 started\"");
        await using var running = Cake(project, "Train").Start();

        await running.WaitForLineAsync("epoch 1 started", TestContext.Current.CancellationToken);
        Assert.NotEmpty((await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken)).OfKind("PyTorchJob"));
        // As a CI runner or a closed terminal does: the signal to every process of the run.
        ProcessTree.Signal(running.Pid, signal);
        var result = await running.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Log.Contains("KAPT4020", StringComparison.Ordinal), result.ToString());
        await AssertNothingLeft(project, result);
    }

    [Fact]
    public async Task CleanupSweepsTheJournalsInTheProjectsOwnIntermediateFolder()
    {
        var project = await NewProject("cake-sweep-path", "hang log=\"epoch 1 started\"");
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
        Assert.NotEmpty((await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken)).OfKind("PyTorchJob"));

        var result = await Cake(project, "Cleanup").RunAsync(TestContext.Current.CancellationToken);

        AssertSucceeded(result);
        await AssertNothingLeft(project, result);
    }

    private async Task<SampleProject> NewProject(string name, string? scenario = null)
    {
        var project = await Servers.NewProjectAsync("mnist-pytorch", name, TestContext.Current.CancellationToken);
        _projects.Add(project);
        var text = await File.ReadAllTextAsync(project.ProjectFile, TestContext.Current.CancellationToken);
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
        await File.WriteAllTextAsync(project.ProjectFile, text[..text.LastIndexOf("</Project>", StringComparison.Ordinal)] + settings, TestContext.Current.CancellationToken);
        return project;
    }

    private DotnetCommand Cake(SampleProject project, string target, params string[] more) =>
        addin.Cake(
                Script,
                [
                    $"--target={target}",
                    $"--project={project.ProjectFile}",
                    $"--kubeconfig={project.KubeconfigPath}",
                    $"--namespace={project.Namespace}",
                    $"--s3-endpoint={Servers.S3.Endpoint.ToString().TrimEnd('/')}",
                    $"--registry={Servers.Registry.Host}",
                    .. more,
                ])
            .WithEnvironment("AWS_ACCESS_KEY_ID", Servers.S3.AccessKey)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", Servers.S3.SecretKey)
            .WithEnvironment("DOCKER_CONFIG", Servers.DockerConfigDirectory)
            .WithEnvironment("KUBECONFIG", null)
            .WithEnvironment("KAPTAIN_SDK_FORCE_CLEANUP", null)
            .WithEnvironment("KAPTAIN_SDK_DELETE_EXPERIMENT", null);

    private static void AssertSucceeded(DotnetCommandResult result) =>
        Assert.True(result.ExitCode == 0, $"The Cake run failed.{Environment.NewLine}{result}");

    private async Task AssertNothingLeft(SampleProject project, DotnetCommandResult result)
    {
        var left = (await Servers.ResourcesInAsync(project.Namespace, TestContext.Current.CancellationToken));
        Assert.True(left.All.Count == 0, $"Left behind in {project.Namespace}:{Environment.NewLine}{left}{Environment.NewLine}{result}");
    }
}

/// <summary><see cref="SampleScriptLifecycleTests"/> on the local cluster.</summary>
public sealed class SampleScriptLifecycleOnLocalClusterTests(PackedAddin addin, SampleScriptServers servers) : SampleScriptLifecycleTests(addin, servers.LocalCluster);

/// <summary><see cref="SampleScriptLifecycleTests"/> on kube-apiserver + kube-controller-manager with the simulated operators attached.</summary>
public sealed class SampleScriptLifecycleOnRealControlPlaneTests(PackedAddin addin, SampleScriptServers servers) : SampleScriptLifecycleTests(addin, servers.RealControlPlane);
