using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.LocalCluster.Faults;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>Waiting on a resource's status by watch against the local cluster, with the watch cut and expired.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class ResourceWatchTests(SharedLocalCluster shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static bool Succeeded(JsonObject job) => KubernetesObjectJson.HasTrueCondition(job, "Succeeded");

    private static void SetCondition(LocalClusterTestBed bed, string name, string type) =>
        bed.Cluster.Store.Mutate(bed.Type(ResourceKinds.TFJob), bed.Namespace, name, job =>
        {
            var conditions = job["status"]?["conditions"] as JsonArray ?? [];
            conditions.Add(new JsonObject { ["type"] = type, ["status"] = "True", ["reason"] = $"TFJob{type}" });
            job["status"] = new JsonObject { ["conditions"] = conditions.DeepClone() };
            return true;
        }, status: true);

    [Fact]
    public async Task The_wait_ends_with_the_event_that_reaches_the_terminal_status()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa"), Token);
        var seen = new List<string>();
        var watched = new TaskCompletionSource();

        var wait = new ResourceWatch(bed.Client).WaitForAsync(
            ResourceKinds.TFJob, null, "mnist-train-aaaaaaaaaa", Succeeded, TimeSpan.FromMinutes(2),
            job =>
            {
                seen.Add(string.Join(",", (job["status"]?["conditions"] as JsonArray ?? []).Select(c => c?["type"]?.GetValue<string>())));
                watched.TrySetResult();
            },
            Token);
        await watched.Task.WaitAsync(Token);
        SetCondition(bed, "mnist-train-aaaaaaaaaa", "Created");
        SetCondition(bed, "mnist-train-aaaaaaaaaa", "Running");
        SetCondition(bed, "mnist-train-aaaaaaaaaa", "Succeeded");

        var result = await wait;

        Assert.Equal(ResourceWaitOutcome.Satisfied, result.Outcome);
        Assert.True(Succeeded(result.Resource!));
        Assert.Equal(["", "Created", "Created,Running", "Created,Running,Succeeded"], seen);
    }

    [Fact]
    public async Task A_cut_watch_resumes_and_misses_nothing()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa"), Token);
        var listed = new TaskCompletionSource();
        var watching = new TaskCompletionSource();
        var wait = new ResourceWatch(bed.Client).WaitForAsync(
            ResourceKinds.TFJob, null, "mnist-train-aaaaaaaaaa", Succeeded, TimeSpan.FromMinutes(2),
            job =>
            {
                listed.TrySetResult();
                if (KubernetesObjectJson.HasTrueCondition(job, "Created"))
                {
                    watching.TrySetResult();
                }
            },
            Token);

        // A change made after the list and seen by the waiter proves the watch stream is open.
        await listed.Task.WaitAsync(Token);
        SetCondition(bed, "mnist-train-aaaaaaaaaa", "Created");
        await watching.Task.WaitAsync(Token);
        var retriesBefore = bed.Resilience.RetryCount;

        // The network cuts the watch; the status changes while nobody watches.
        bed.Cluster.Faults.Options = new FaultOptions { DropConnectionRate = 1 };
        bed.Proxy.DropAll();
        SetCondition(bed, "mnist-train-aaaaaaaaaa", "Succeeded");
        bed.Cluster.Faults.Options = FaultOptions.None;

        var result = await wait;

        Assert.Equal(ResourceWaitOutcome.Satisfied, result.Outcome);
        Assert.True(bed.Proxy.Drops > 0);
        Assert.True(bed.Resilience.RetryCount > retriesBefore);
    }

    [Fact]
    public async Task An_expired_resource_version_lists_again_and_reports_the_current_state()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa"), Token);
        var events = new List<ResourceEvent>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var firstSync = new TaskCompletionSource();
        var secondSync = new TaskCompletionSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in bed.Client.WatchAsync(ResourceKinds.TFJob, null, null, null, stop.Token))
            {
                events.Add(change);
                if (change.Type == ResourceEventType.Synced && !firstSync.TrySetResult())
                {
                    secondSync.TrySetResult();
                }
            }
        }, Token);
        await firstSync.Task.WaitAsync(Token);

        // While the watch is down, the object changes and the server forgets the history the watch would resume from.
        bed.Cluster.Faults.Options = new FaultOptions { DropConnectionRate = 1 };
        bed.Proxy.DropAll();
        SetCondition(bed, "mnist-train-aaaaaaaaaa", "Succeeded");
        bed.Cluster.Store.Compact();
        bed.Cluster.Faults.Options = FaultOptions.None;

        await secondSync.Task.WaitAsync(Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        Assert.Equal(
            [ResourceEventType.Added, ResourceEventType.Synced, ResourceEventType.Modified, ResourceEventType.Synced],
            events.Select(e => e.Type));
        Assert.True(Succeeded(events[2].Resource));
    }

    [Fact]
    public async Task A_wait_times_out_with_the_last_state_and_a_deleted_resource_ends_it()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa"), Token);
        var watch = new ResourceWatch(bed.Client);

        var timedOut = await watch.WaitForAsync(ResourceKinds.TFJob, null, "mnist-train-aaaaaaaaaa", Succeeded, TimeSpan.FromMilliseconds(300), null, Token);
        var missing = await watch.WaitForAsync(ResourceKinds.TFJob, null, "no-such-job", Succeeded, TimeSpan.FromMinutes(1), null, Token);

        Assert.Equal(ResourceWaitOutcome.TimedOut, timedOut.Outcome);
        Assert.Equal("mnist-train-aaaaaaaaaa", KubernetesObjectJson.Name(timedOut.Resource!));
        Assert.Equal(ResourceWaitOutcome.Deleted, missing.Outcome);
    }
}
