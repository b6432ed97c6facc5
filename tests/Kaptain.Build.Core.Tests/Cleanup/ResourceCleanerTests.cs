using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Manifests;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cleanup;

public sealed class ResourceCleanerTests
{
    private static ResourceReference Ref(ResourceKind kind, string name) => new(kind.ApiVersion, kind.Kind, "test", name);

    private static (InMemoryClusterClient Client, ResourceJournal Journal) Setup(params (ResourceKind Kind, string Name)[] created)
    {
        var client = new InMemoryClusterClient();
        var journal = ResourceJournal.InMemory();
        foreach (var (kind, name) in created)
        {
            var resource = client.Add(kind, name, new Dictionary<string, string> { [ManifestLabels.Run] = "run1" });
            journal.RecordCreated(resource, client.DefaultNamespace);
        }

        return (client, journal);
    }

    [Fact]
    public async Task Resources_go_newest_first_with_the_propagation_of_their_kind()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.Job, "build"), (ResourceKinds.Pod, "stray"));
        var cleaner = new ResourceCleaner(client, journal);

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.Equal(
            [("Pod", "stray", DeletePropagation.Background), ("Job", "build", DeletePropagation.Foreground), ("Secret", "creds", DeletePropagation.Background)],
            client.Deletes);
        Assert.Equal(["stray", "build", "creds"], report.Removed.Select(r => r.Name));
        Assert.True(report.Complete);
        Assert.Empty(journal.Pending());
    }

    [Fact]
    public async Task Something_already_gone_is_success()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.TFJob, "train"));
        await client.DeleteAsync(ResourceKinds.TFJob, null, "train", null, null, TestContext.Current.CancellationToken);
        var cleaner = new ResourceCleaner(client, journal);

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Succeeded, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.True(report.Complete);
        Assert.Equal([Ref(ResourceKinds.TFJob, "train")], report.AlreadyGone.Select(r => r with { Uid = null }));
        Assert.Equal(["creds"], report.Removed.Select(r => r.Name));
        Assert.Empty(journal.Pending());
    }

    [Fact]
    public async Task Running_it_twice_is_harmless()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"));
        var entries = journal.Pending();
        var cleaner = new ResourceCleaner(client, journal);

        var first = await cleaner.CleanUpAsync(entries, RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);
        var second = await cleaner.CleanUpAsync(entries, RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.Equal(["creds"], first.Removed.Select(r => r.Name));
        Assert.Equal(["creds"], second.AlreadyGone.Select(r => r.Name));
        Assert.True(second.Complete);
    }

    [Fact]
    public async Task The_keep_policy_keeps_the_training_job_on_success_but_not_on_cancellation()
    {
        var keep = KeepPolicy.RemoveEverything.Keep(ResourceKinds.PyTorchJob, RunOutcome.Succeeded);

        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.PyTorchJob, "train"));
        var success = await new ResourceCleaner(client, journal)
            .CleanUpRunAsync("run1", RunOutcome.Succeeded, keep, TestContext.Current.CancellationToken);
        Assert.Equal(["train"], success.Kept.Select(r => r.Name));
        Assert.True(client.Exists(ResourceKinds.PyTorchJob, "train"));
        Assert.Empty(journal.Pending());

        var (client2, journal2) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.PyTorchJob, "train"));
        var cancelled = await new ResourceCleaner(client2, journal2)
            .CleanUpRunAsync("run1", RunOutcome.Cancelled, keep, TestContext.Current.CancellationToken);
        Assert.Empty(cancelled.Kept);
        Assert.False(client2.Exists(ResourceKinds.PyTorchJob, "train"));
    }

    [Fact]
    public async Task A_failed_build_job_is_kept_only_when_asked()
    {
        var keepFailed = KeepPolicy.RemoveEverything.Keep(ResourceKinds.Job, RunOutcome.Failed);

        Assert.True(keepFailed.ShouldKeep(Ref(ResourceKinds.Job, "b"), RunOutcome.Failed));
        Assert.False(keepFailed.ShouldKeep(Ref(ResourceKinds.Job, "b"), RunOutcome.Succeeded));
        Assert.False(keepFailed.ShouldKeep(Ref(ResourceKinds.Secret, "s"), RunOutcome.Failed));
        Assert.False(keepFailed.ShouldKeep(Ref(ResourceKinds.Job, "b"), RunOutcome.Sweep));
        Assert.False(KeepPolicy.RemoveEverything.ShouldKeep(Ref(ResourceKinds.Job, "b"), RunOutcome.Failed));
    }

    [Fact]
    public async Task A_delete_that_fails_is_reported_with_KAPT4001_and_the_rest_still_goes()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.Job, "build"));
        client.FailingDeletes["build"] = InMemoryClusterClient.Forbidden("build");
        var cleaner = new ResourceCleaner(client, journal);

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("KAPT4001", problem.Code);
        Assert.Equal("Job test/build", problem.Subject);
        Assert.Equal(["creds"], report.Removed.Select(r => r.Name));
        Assert.Equal(["build"], journal.Pending().Select(e => e.Resource.Name));
    }

    [Fact]
    public async Task Cleanup_bounds_itself_and_names_what_it_did_not_reach()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.Job, "build"));
        client.HangingDeletes.Add("build");
        var cleaner = new ResourceCleaner(client, journal) { Timeout = TimeSpan.FromMilliseconds(200) };

        // The build's token is already cancelled, as after Ctrl+C; the cleaner is given its own (none) and still works.
        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Cancelled, KeepPolicy.RemoveEverything, CancellationToken.None);

        Assert.Equal(["KAPT4003", "KAPT4003"], report.Problems.Select(p => p.Code));
        Assert.Equal(["Job test/build", "Secret test/creds"], report.Problems.Select(p => p.Subject));
    }

    [Fact]
    public async Task A_resource_whose_deletion_does_not_finish_is_KAPT4023_under_way_not_removed()
    {
        var (client, journal) = Setup((ResourceKinds.Experiment, "tune"));
        client.Sticky.Add("tune");
        var cleaner = new ResourceCleaner(client, journal) { Timeout = TimeSpan.FromMilliseconds(300) };

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.Equal("KAPT4023", Assert.Single(report.Problems).Code);
        Assert.Empty(report.Removed);
    }

    [Fact]
    public async Task A_removal_that_cannot_be_watched_is_confirmed_with_a_get()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"));
        client.ForbiddenWatches.Add("Secret");
        var cleaner = new ResourceCleaner(client, journal);

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.True(report.Complete, string.Join(Environment.NewLine, report.Problems));
        Assert.Equal(["creds"], report.Removed.Select(r => r.Name));
    }

    [Fact]
    public async Task A_removal_that_can_be_neither_watched_nor_read_is_KAPT4021_and_not_reported_removed()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.ServiceAccount, "runner"));
        client.ForbiddenWatches.UnionWith(["Secret", "ServiceAccount"]);
        client.ForbiddenGets.Add("creds");
        var cleaner = new ResourceCleaner(client, journal);

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(("KAPT4021", "Secret test/creds"), (problem.Code, problem.Subject));
        // The ServiceAccount's removal was confirmed with a get; the Secret's could not be.
        Assert.Equal(["runner"], report.Removed.Select(r => r.Name));
    }

    [Fact]
    public async Task After_a_cancellation_deletes_go_in_the_background_and_the_wait_keeps_to_the_interruption_budget()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.PyTorchJob, "train"));
        client.Sticky.Add("train");
        // The whole cleanup may take 10 minutes; the build's interruption may not.
        var cleaner = new ResourceCleaner(client, journal) { Timeout = TimeSpan.FromMinutes(10), InterruptionBudget = TimeSpan.FromMilliseconds(300) };

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Cancelled, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.Equal([("PyTorchJob", "train", DeletePropagation.Background), ("Secret", "creds", DeletePropagation.Background)], client.Deletes);
        Assert.Equal(("KAPT4023", "PyTorchJob test/train"), (Assert.Single(report.Problems).Code, report.Problems[0].Subject));
        Assert.Equal(["creds"], report.Removed.Select(r => r.Name));
    }

    [Fact]
    public async Task A_delete_carries_the_recorded_uid_and_a_later_object_of_the_name_is_left_with_a_warning()
    {
        var (client, journal) = Setup((ResourceKinds.Secret, "creds"), (ResourceKinds.Job, "build"));
        // The Secret the run created went, and another object took its name.
        await client.DeleteAsync(ResourceKinds.Secret, null, "creds", null, null, TestContext.Current.CancellationToken);
        client.Add(ResourceKinds.Secret, "creds");
        var cleaner = new ResourceCleaner(client, journal);

        var report = await cleaner.CleanUpRunAsync("run1", RunOutcome.Failed, KeepPolicy.RemoveEverything, TestContext.Current.CancellationToken);

        Assert.True(report.Complete, string.Join(Environment.NewLine, report.Problems));
        Assert.Equal(["build"], report.Removed.Select(r => r.Name));
        Assert.Equal("KAPT4010", Assert.Single(report.LeftAlone).Code);
        Assert.True(client.Exists(ResourceKinds.Secret, "creds"));
        Assert.Empty(journal.Pending());
    }
}
