using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// <c>KaptainCreateNamespace</c> (issue 9, item 3): without it a missing namespace stops the step with KAPT1013 before
/// anything is created; with it the step creates the namespace, as helm's <c>--create-namespace</c> does, and neither the
/// step's cleanup nor <c>KaptainCleanup</c> ever removes it.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class NamespaceCreationTests(LifecycleServers servers)
{
    private static readonly ImageReference Image = ImageReference.TryParse("127.0.0.1:5000/tests/model:1", out var image) ? image : throw new InvalidOperationException();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_missing_namespace_is_KAPT1013_and_is_not_created_without_KaptainCreateNamespace()
    {
        using var project = new LifecycleProject(servers, "ns-missing");
        var missing = project.Namespace + "-new";
        project.Properties[ModelProperties.Namespace] = missing;

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.TrainAsync(project.Options(Image), Token));

        Assert.Equal("KAPT1013", Assert.Single(error.Diagnostics).Code);
        Assert.Null(servers.Cluster.Store.TryGet(BuiltInResources.Namespace, null, missing));
    }

    [Fact]
    public async Task KaptainCreateNamespace_creates_a_missing_namespace_once_and_cleanup_leaves_it()
    {
        using var project = new LifecycleProject(servers, "ns-create");
        var created = project.Namespace + "-new";
        project.Properties[ModelProperties.Namespace] = created;
        project.Properties[ModelProperties.CreateNamespace] = "true";

        var first = await KaptainLifecycle.TrainAsync(project.Options(Image), Token);

        Assert.Equal("Succeeded", first.State);
        Assert.NotNull(servers.Cluster.Store.TryGet(BuiltInResources.Namespace, null, created));
        Assert.Contains(project.Log.Lines, line => line.StartsWith($"Created Namespace {created} ", StringComparison.Ordinal));
        Assert.DoesNotContain(first.Created, r => r.StartsWith("Namespace", StringComparison.Ordinal));
        // The training S3 Secret is kept with the job it belongs to (owned by it).
        Assert.Equal([$"PyTorchJob {created}/{first.JobName}", $"Secret {created}/{first.JobName}-s3"], first.Kept);

        var linesBefore = project.Log.Lines.Count;
        var second = await KaptainLifecycle.TrainAsync(project.Options(Image), Token);
        var cleanup = await KaptainLifecycle.CleanupAsync(project.Options(), Token);

        Assert.Equal("Succeeded", second.State);
        Assert.DoesNotContain(project.Log.Lines.Skip(linesBefore), line => line.StartsWith("Created Namespace", StringComparison.Ordinal));
        Assert.Contains($"PyTorchJob {created}/{first.JobName}", cleanup.Removed);
        Assert.DoesNotContain(cleanup.Removed, r => r.StartsWith("Namespace", StringComparison.Ordinal));
        Assert.NotNull(servers.Cluster.Store.TryGet(BuiltInResources.Namespace, null, created));
        Assert.Empty(project.Log.Errors);
    }
}
