using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Core.Tests.Cluster;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Manifests;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cleanup;

/// <summary>The label sweep (<c>KaptainCleanup</c>) and journal replay against the local cluster.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class CleanupSweepTests(SharedLocalCluster shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sweep_removes_every_run_of_the_model_and_nothing_else()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        using var project = new TestModelProject();
        var model = project.Model();
        var client = bed.Client;
        await client.CreateAsync(Ours(TestResources.Secret("mnist-train-aaaaaaaaaa-s3", Labels("dev/mnist", "aaaaaaaaaa")), "dev/mnist"), Token);
        var tfjob = await client.CreateAsync(Ours(TestResources.TfJob("mnist-train-aaaaaaaaaa", Labels("dev/mnist", "aaaaaaaaaa")), "dev/mnist"), Token);
        await client.CreateAsync(Ours(TestResources.Job("mnist-build-bbbbbbbbbb", Labels("dev/mnist", "bbbbbbbbbb", "build-image")), "dev/mnist"), Token);
        await client.CreateAsync(Ours(TestResources.Secret("other-train-cccccccccc-s3", Labels("dev/other", "cccccccccc")), "dev/other"), Token);
        // dev-mnist is another model; a plain '/' -> '-' made its label value the same as dev/mnist's.
        await client.CreateAsync(Ours(TestResources.Secret("dashed-train-dddddddddd-s3", Labels("dev-mnist", "dddddddddd")), "dev-mnist"), Token);
        // This model's label, another model's id: a hand-edited label (or a hash collision) is not enough.
        await client.CreateAsync(Ours(TestResources.Secret("relabelled", Labels("dev/mnist", "eeeeeeeeee")), "dev/other"), Token);
        await client.CreateAsync(TestResources.Secret("hand-made"), Token);
        // A replica pod the training operator made: owned by the TFJob, labelled by the operator, not by us.
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("mnist-train-aaaaaaaaaa-worker-0", bed.Namespace, new JsonObject(), tfjob));

        var sweep = await CleanupStep.FindAsync(client, model, bed.Namespace, [], CancellationToken.None);
        var report = await new ResourceCleaner(client).RemoveAsync(sweep.Found, CancellationToken.None);

        Assert.Empty(sweep.Problems);
        Assert.Equal("KAPT4011", Assert.Single(sweep.LeftAlone).Code);
        Assert.True(report.Complete, string.Join(Environment.NewLine, report.Problems));
        Assert.All(sweep.Found, found => Assert.NotNull(found.Uid));
        Assert.Equal(
            ["Job mnist-build-bbbbbbbbbb", "Secret mnist-train-aaaaaaaaaa-s3", "TFJob mnist-train-aaaaaaaaaa"],
            report.Removed.Select(r => $"{r.Kind} {r.Name}").Order());
        Assert.Null(bed.Stored(ResourceKinds.TFJob, "mnist-train-aaaaaaaaaa"));
        Assert.Null(bed.Stored(ResourceKinds.Pod, "mnist-train-aaaaaaaaaa-worker-0"));
        Assert.Null(bed.Stored(ResourceKinds.Job, "mnist-build-bbbbbbbbbb"));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "other-train-cccccccccc-s3"));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "dashed-train-dddddddddd-s3"));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "relabelled"));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "hand-made"));

        var again = await CleanupStep.FindAsync(client, model, bed.Namespace, [], CancellationToken.None);
        Assert.Empty(again.Found);
    }

    [Fact]
    public async Task A_delete_with_the_uid_of_an_object_that_was_replaced_leaves_the_new_one()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var first = await bed.Client.CreateAsync(TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
        Assert.True(await bed.Client.DeleteAsync(ResourceKinds.Secret, null, "mnist-train-aaaaaaaaaa-s3", null, KubernetesObjectJson.Uid(first), Token));
        var second = await bed.Client.CreateAsync(TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "bbbbbbbbbb")), Token);

        var replaced = await Assert.ThrowsAsync<ResourceReplacedException>(() =>
            bed.Client.DeleteAsync(ResourceKinds.Secret, null, "mnist-train-aaaaaaaaaa-s3", null, KubernetesObjectJson.Uid(first), Token));

        Assert.Equal("KAPT4010", replaced.Warning.Code);
        Assert.Equal(KubernetesObjectJson.Uid(second), replaced.CurrentUid);
        Assert.Equal(KubernetesObjectJson.Uid(second), KubernetesObjectJson.Uid(bed.Stored(ResourceKinds.Secret, "mnist-train-aaaaaaaaaa-s3")!));
    }

    [Fact]
    public async Task A_killed_runs_journal_is_replayed_by_the_next_process()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.Secret("mnist-build-aaaaaaaaaa-docker", TestResources.Labels("dev-mnist", "aaaaaaaaaa", "build-image")), Token);
        await bed.Client.CreateAsync(TestResources.Job("mnist-build-aaaaaaaaaa", TestResources.Labels("dev-mnist", "aaaaaaaaaa", "build-image")), Token);

        // A new process reads the file the killed one left behind and cleans up what it lists.
        var leftovers = ResourceJournal.PendingOf(ResourceJournal.Read(bed.Journal.Path!));
        var report = await new ResourceCleaner(bed.Client).CleanUpAsync(leftovers, RunOutcome.Sweep, KeepPolicy.RemoveEverything, CancellationToken.None);

        Assert.Equal(["mnist-build-aaaaaaaaaa", "mnist-build-aaaaaaaaaa-docker"], report.Removed.Select(r => r.Name));
        Assert.Null(bed.Stored(ResourceKinds.Job, "mnist-build-aaaaaaaaaa"));
        Assert.Null(bed.Stored(ResourceKinds.Secret, "mnist-build-aaaaaaaaaa-docker"));
    }

    private static JsonObject Labels(string modelId, string run, string step = "train")
    {
        var labels = TestResources.Labels(ManifestLabels.ModelLabelValue(modelId), run, step);
        return labels;
    }

    // What every created object carries besides its labels: the model's full id.
    private static JsonObject Ours(JsonObject resource, string modelId)
    {
        resource["metadata"]!["annotations"] = new JsonObject { [ManifestLabels.ModelIdAnnotation] = modelId };
        return resource;
    }

    [Fact]
    public async Task After_a_cancelled_wait_the_runs_resources_are_removed_with_the_cleaners_own_time()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        using var build = CancellationTokenSource.CreateLinkedTokenSource(Token);
        await bed.Client.CreateAsync(TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), build.Token);
        var job = await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), build.Token);
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("mnist-train-aaaaaaaaaa-worker-0", bed.Namespace, new JsonObject(), job));
        var wait = new ResourceWatch(bed.Client).WaitForAsync(
            ResourceKinds.TFJob, null, "mnist-train-aaaaaaaaaa", _ => false, Timeout.InfiniteTimeSpan, null, build.Token);

        // Ctrl+C: the build's token is cancelled and the wait ends at once.
        await build.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        var report = await new ResourceCleaner(bed.Client, bed.Journal) { Timeout = TimeSpan.FromSeconds(20) }
            .CleanUpRunAsync("aaaaaaaaaa", RunOutcome.Cancelled, KeepPolicy.RemoveEverything.Keep(ResourceKinds.TFJob, RunOutcome.Succeeded), CancellationToken.None);

        Assert.True(report.Complete, string.Join(Environment.NewLine, report.Problems));
        Assert.Equal(["mnist-train-aaaaaaaaaa", "mnist-train-aaaaaaaaaa-s3"], report.Removed.Select(r => r.Name));
        Assert.Null(bed.Stored(ResourceKinds.TFJob, "mnist-train-aaaaaaaaaa"));
        Assert.Null(bed.Stored(ResourceKinds.Pod, "mnist-train-aaaaaaaaaa-worker-0"));
        Assert.Null(bed.Stored(ResourceKinds.Secret, "mnist-train-aaaaaaaaaa-s3"));
        Assert.Empty(ResourceJournal.PendingOf(ResourceJournal.Read(bed.Journal.Path!)));
    }
}
