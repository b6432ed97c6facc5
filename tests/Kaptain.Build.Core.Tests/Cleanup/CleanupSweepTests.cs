using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Core.Tests.Cluster;
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
        var client = bed.Client;
        await client.CreateAsync(TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
        var tfjob = await client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
        await client.CreateAsync(TestResources.Job("mnist-build-bbbbbbbbbb", TestResources.Labels("dev-mnist", "bbbbbbbbbb", "build-image")), Token);
        await client.CreateAsync(TestResources.Secret("other-train-cccccccccc-s3", TestResources.Labels("dev-other", "cccccccccc")), Token);
        await client.CreateAsync(TestResources.Secret("hand-made"), Token);
        // A replica pod the training operator made: owned by the TFJob, labelled by the operator, not by us.
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("mnist-train-aaaaaaaaaa-worker-0", bed.Namespace, new JsonObject(), tfjob));
        var sweep = new CleanupSweep(client, new ResourceCleaner(client));

        var report = await sweep.SweepAsync("dev-mnist", null, null, CancellationToken.None);

        Assert.True(report.Complete, string.Join(Environment.NewLine, report.Problems));
        Assert.Equal(
            ["Job mnist-build-bbbbbbbbbb", "Secret mnist-train-aaaaaaaaaa-s3", "TFJob mnist-train-aaaaaaaaaa"],
            report.Removed.Select(r => $"{r.Kind} {r.Name}").Order());
        Assert.Null(bed.Stored(ResourceKinds.TFJob, "mnist-train-aaaaaaaaaa"));
        Assert.Null(bed.Stored(ResourceKinds.Pod, "mnist-train-aaaaaaaaaa-worker-0"));
        Assert.Null(bed.Stored(ResourceKinds.Job, "mnist-build-bbbbbbbbbb"));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "other-train-cccccccccc-s3"));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "hand-made"));

        var again = await sweep.SweepAsync("dev-mnist", null, null, CancellationToken.None);
        Assert.Empty(again.Removed);
        Assert.True(again.Complete);
    }

    [Fact]
    public async Task A_sweep_for_one_run_leaves_the_other_runs()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
        await bed.Client.CreateAsync(TestResources.Secret("mnist-train-bbbbbbbbbb-s3", TestResources.Labels("dev-mnist", "bbbbbbbbbb")), Token);

        var report = await new CleanupSweep(bed.Client, new ResourceCleaner(bed.Client))
            .SweepAsync("dev-mnist", "aaaaaaaaaa", null, CancellationToken.None);

        Assert.Equal(["mnist-train-aaaaaaaaaa-s3"], report.Removed.Select(r => r.Name));
        Assert.NotNull(bed.Stored(ResourceKinds.Secret, "mnist-train-bbbbbbbbbb-s3"));
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
