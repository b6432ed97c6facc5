using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary>
/// <c>dotnet build -t:KaptainBuildImage</c> on a copy of samples/mnist-pytorch. The simulated Kaniko does a real build
/// (it reads the context from s3rver and pushes to the registry), so its failures are real ones: a registry that
/// refuses the push, and a registry that never answers it (timeout, Ctrl+C).
/// </summary>
public sealed class BuildImageTests(EndToEndServers fixture, ReadOnlyContainerRegistry readOnlyRegistry)
    : LifecycleTest(fixture), IClassFixture<ReadOnlyContainerRegistry>
{
    private const string Sample = "mnist-pytorch";

    [Fact]
    public async Task Builds_and_pushes_the_image_then_removes_the_secrets_the_job_and_the_context()
    {
        var project = Servers.NewProject(Sample, "build-ok");

        var result = await RunAsync(project.Build("KaptainBuildImage"));

        AssertSucceeded(result);
        var report = project.ReadRunReport("build-image");
        Assert.StartsWith($"{Servers.Registry.Host}/{project.ImageName}:", report["image"]!.GetValue<string>(), StringComparison.Ordinal);
        var digest = report["digest"]!.GetValue<string>();
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
        Assert.True(await ManifestExistsAsync(project.ImageName, digest), result.Log);
        Assert.Contains($"{report["image"]!.GetValue<string>()}@{digest}", result.Log, StringComparison.Ordinal);
        AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(report);
        Assert.True(await Servers.S3.BucketExistsAsync(bucket, Token), result.Log);
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Fact]
    public async Task Does_nothing_on_the_cluster_when_the_registry_already_has_the_image()
    {
        var project = Servers.NewProject(Sample, "build-uptodate");
        var built = await RunAsync(project.Build("KaptainBuildImage"));
        AssertSucceeded(built);
        AssertNothingLeft(project, built);
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
        AssertNothingLeft(project, result);
        Assert.True(writes.Count == 0, $"The up-to-date build wrote: {string.Join(", ", writes)}{Environment.NewLine}{result.Log}");
    }

    private async Task WatchAsync(ResourceType type, string ns, List<string> writes, CancellationToken cancellationToken)
    {
        var from = Servers.Cluster.Store.List(type, ns).ResourceVersion;
        try
        {
            await foreach (var change in Servers.Cluster.Store.WatchAsync(type, ns, new WatchRequest { ResourceVersion = from }, cancellationToken))
            {
                if (change.Type != WatchEventType.Bookmark)
                {
                    lock (writes)
                    {
                        writes.Add($"{change.Type} {type.Kind}/{change.Object?["metadata"]?["name"]}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The build ended.
        }
    }

    [Fact]
    public async Task A_build_whose_push_is_refused_reports_KAPT1101_and_removes_the_secrets_the_job_and_the_context()
    {
        var project = Servers.NewProject(Sample, "build-refused");
        project.RegistryHost = readOnlyRegistry.Host;

        var result = await RunAsync(project.Build("KaptainBuildImage"));

        AssertFailedWith(result, "KAPT1101");
        Assert.Contains("error checking push permissions", result.Log, StringComparison.Ordinal);
        AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(project.ReadRunReport("build-image"));
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Fact]
    public async Task A_failed_build_keeps_only_the_job_and_its_pod_when_asked_to_keep_failed_resources()
    {
        var project = Servers.NewProject(Sample, "build-keep");
        project.RegistryHost = readOnlyRegistry.Host;

        var result = await RunAsync(project.Build("KaptainBuildImage", ("KaptainKeepFailedResources", "true")));

        AssertFailedWith(result, "KAPT1101");
        var report = project.ReadRunReport("build-image");
        var runId = report["runId"]!.GetValue<string>();
        var job = $"{project.ModelName}-build-{runId}";
        AssertKeptWithDependents(project, result, [$"Job/{job}"], runId);
        Assert.Single(Servers.ResourcesIn(project.Namespace).OfKind("Pod"));
        var (bucket, key) = ContextObject(report);
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Fact]
    public async Task A_build_that_does_not_finish_in_time_reports_KAPT1102_and_removes_everything()
    {
        await using var stalling = new StallingRegistryProxy(Servers.Registry);
        var project = Servers.NewProject(Sample, "build-timeout");
        project.RegistryHost = stalling.Host;

        var result = await RunAsync(project.Build("KaptainBuildImage", ("KaptainBuildTimeout", "3")));

        AssertFailedWith(result, "KAPT1102");
        Assert.True(stalling.StalledConnections > 0, result.Log);
        AssertNothingLeft(project, result);
        var (bucket, key) = ContextObject(project.ReadRunReport("build-image"));
        await AssertObjectAsync(bucket, key, exists: false, result);
    }

    [Theory]
    [MemberData(nameof(StopSignals))]
    public async Task Ctrl_C_while_the_builder_runs_removes_the_secrets_the_job_and_the_context(int signal)
    {
        await using var stalling = new StallingRegistryProxy(Servers.Registry);
        var project = Servers.NewProject(Sample, $"build-{UnixSignal.Name(signal).ToLowerInvariant()}");
        project.RegistryHost = stalling.Host;

        // The builder has read the context and waits for the registry to take the push.
        var result = await InterruptAsync(project.Build("KaptainBuildImage"), "Build context has", signal);

        AssertStopped(result, signal);
        AssertNoJournal(project, result);
        AssertNothingLeft(project, result);
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
