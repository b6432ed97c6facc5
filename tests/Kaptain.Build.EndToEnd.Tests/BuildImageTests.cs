using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary>
/// <c>dotnet build -t:KaptainBuildImage</c> on a copy of samples/mnist-pytorch. The simulated Kaniko does a real build
/// (it reads the context from s3rver and pushes to the registry), so its failures are real ones: a registry that
/// refuses the push, and a registry that never answers it (timeout, Ctrl+C).
/// </summary>
public abstract class BuildImageTests(EndToEndServers fixture, ReadOnlyContainerRegistry readOnlyRegistry)
    : LifecycleTest(fixture), IClassFixture<ReadOnlyContainerRegistry>
{
    private const string Sample = "mnist-pytorch";

    [Fact]
    public async Task Builds_and_pushes_the_image_then_removes_the_secrets_the_job_and_the_context()
    {
        var project = await NewProjectAsync(Sample, "build-ok", Token);

        var result = await RunAsync(project.Build("KaptainBuildImage"));

        AssertSucceeded(result);
        var report = project.ReadRunReport("build-image");
        Assert.StartsWith($"{Servers.Registry.Host}/{project.ImageName}:", report["image"]!.GetValue<string>(), StringComparison.Ordinal);
        var digest = report["digest"]!.GetValue<string>();
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
        Assert.True(await ManifestExistsAsync(project.ImageName, digest), result.Log);
        Assert.Contains($"{report["image"]!.GetValue<string>()}@{digest}", result.Log, StringComparison.Ordinal);
        await AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(report);
        Assert.True(await Servers.S3.BucketExistsAsync(bucket, Token), result.Log);
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Fact]
    public async Task Does_nothing_on_the_cluster_when_the_registry_already_has_the_image()
    {
        var project = await NewProjectAsync(Sample, "build-uptodate", Token);
        var built = await RunAsync(project.Build("KaptainBuildImage"));
        AssertSucceeded(built);
        await AssertNothingLeft(project, built);
        var first = project.ReadRunReport("build-image")["digest"]!.GetValue<string>();

        // Watch what a build would write in the project's namespace; other tests write elsewhere at the same time.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var writes = new List<string>();
        var watches = new[] { BuiltInResources.Secret, BuiltInResources.Job, BuiltInResources.Pod }
            .Select(type => WatchAsync(type, project.Namespace, writes, watching.Token)).ToList();

        var result = await RunAsync(project.Build("KaptainBuildImage"));

        await watching.CancelAsync();
        await Task.WhenAll(watches);
        AssertSucceeded(result);
        var report = project.ReadRunReport("build-image");
        Assert.Equal(first, report["digest"]!.GetValue<string>());
        Assert.Equal("UpToDate", report["state"]!.GetValue<string>());
        Assert.Empty(report["created"]!.AsArray());
        await AssertNothingLeft(project, result);
        Assert.True(writes.Count == 0, $"The up-to-date build wrote: {string.Join(", ", writes)}{Environment.NewLine}{result.Log}");
    }

    private Task WatchAsync(ResourceType type, string ns, List<string> writes, CancellationToken cancellationToken) =>
        Servers.WatchWritesAsync(type, ns, writes, cancellationToken);

    [Fact]
    public async Task A_build_whose_push_is_refused_reports_KAPT1101_and_removes_the_secrets_the_job_and_the_context()
    {
        var project = await NewProjectAsync(Sample, "build-refused", Token);
        project.RegistryHost = readOnlyRegistry.Host;

        var result = await RunAsync(project.Build("KaptainBuildImage"));

        AssertFailedWith(result, "KAPT1101");
        Assert.Contains("error checking push permissions", result.Log, StringComparison.Ordinal);
        await AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(project.ReadRunReport("build-image"));
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Fact]
    public async Task A_failed_build_keeps_only_the_job_and_its_pod_when_asked_to_keep_failed_resources()
    {
        var project = await NewProjectAsync(Sample, "build-keep", Token);
        project.RegistryHost = readOnlyRegistry.Host;

        var result = await RunAsync(project.Build("KaptainBuildImage", ("KaptainKeepFailedResources", "true")));

        AssertFailedWith(result, "KAPT1101");
        var report = project.ReadRunReport("build-image");
        var runId = report["runId"]!.GetValue<string>();
        var job = $"{project.ModelName}-build-{runId}";
        await AssertKeptWithDependents(project, result, [$"Job/{job}"], runId);
        Assert.Single((await Servers.ResourcesInAsync(project.Namespace, Token)).OfKind("Pod"));
        var (bucket, key) = ContextObject(report);
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Fact]
    public async Task A_build_that_does_not_finish_in_time_reports_KAPT1102_and_removes_everything()
    {
        await using var stalling = new StallingRegistryProxy(Servers.Registry);
        var project = await NewProjectAsync(Sample, "build-timeout", Token);
        project.RegistryHost = stalling.Host;

        // The timeout is also the Job's activeDeadlineSeconds, counted from the Job's start. On the real control plane
        // the builder's pod comes through the real Job controller and the simulated kubelet's watch and binding, which
        // on a busy machine takes more than 3 s, so that the real Job controller ended the Job before the builder
        // reached the registry. The builder must be stalled in its push when the time runs out (the stalled connection
        // proves it), so it gets a longer, still bounded, time there.
        var timeout = Engine == LifecycleEngine.RealControlPlane ? "30" : "3";
        var result = await RunAsync(project.Build("KaptainBuildImage", ("KaptainBuildTimeout", timeout)));

        AssertFailedWith(result, "KAPT1102");
        Assert.True(stalling.StalledConnections > 0, result.Log);
        await AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(project.ReadRunReport("build-image"));
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Theory]
    [MemberData(nameof(StopSignals))]
    public async Task Ctrl_C_while_the_builder_runs_removes_the_secrets_the_job_and_the_context(int signal)
    {
        await using var stalling = new StallingRegistryProxy(Servers.Registry);
        var project = await NewProjectAsync(Sample, $"build-{UnixSignal.Name(signal).ToLowerInvariant()}", Token);
        project.RegistryHost = stalling.Host;

        // The builder has read the context and waits for the registry to take the push.
        var result = await InterruptAsync(project.Build("KaptainBuildImage"), "Build context has", signal);

        AssertStopped(result, signal);
        AssertNoJournal(project, result);
        await AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(project.ReadRunReport("build-image"));
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    private static (string Bucket, string Key) ContextObject(System.Text.Json.Nodes.JsonObject report)
    {
        // s3://bucket/key
        var uri = new Uri(report["contextObject"]!.GetValue<string>());
        return (uri.Host, uri.AbsolutePath.TrimStart('/'));
    }

    private async Task<bool> ManifestExistsAsync(string repository, string digest)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(Servers.Registry.Endpoint, $"/v2/{repository}/manifests/{digest}"));
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request, Token);
        return response.IsSuccessStatusCode;
    }
}
