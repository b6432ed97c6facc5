using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Faults;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>The resource client against the local cluster's API server, through a kubeconfig, over HTTP.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class ClusterResourceClientTests(SharedLocalCluster shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_created_resource_is_journalled_at_once_read_back_and_deleted()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Connection.VerifyAsync(bed.Resilience, Token);

        var created = await bed.Client.CreateAsync(
            TestResources.Secret("mnist-train-0a1b2c3d4e-s3", TestResources.Labels("dev-mnist", "0a1b2c3d4e")), Token);

        var entry = Assert.Single(ResourceJournal.Read(bed.Journal.Path!));
        Assert.Equal(new ResourceReference("v1", "Secret", bed.Namespace, "mnist-train-0a1b2c3d4e-s3", KubernetesObjectJson.Uid(created)), entry.Resource);
        Assert.Equal(("train", "0a1b2c3d4e"), (entry.Step, entry.RunId));
        var read = await bed.Client.GetAsync(ResourceKinds.Secret, null, "mnist-train-0a1b2c3d4e-s3", Token);
        Assert.Equal(KubernetesObjectJson.Uid(created), KubernetesObjectJson.Uid(read!));

        Assert.True(await bed.Client.DeleteAsync(ResourceKinds.Secret, null, "mnist-train-0a1b2c3d4e-s3", null, Token));
        Assert.Null(bed.Stored(ResourceKinds.Secret, "mnist-train-0a1b2c3d4e-s3"));
        Assert.False(await bed.Client.DeleteAsync(ResourceKinds.Secret, null, "mnist-train-0a1b2c3d4e-s3", null, Token));
        Assert.Null(await bed.Client.GetAsync(ResourceKinds.Secret, null, "mnist-train-0a1b2c3d4e-s3", Token));
    }

    [Fact]
    public async Task Custom_resources_are_created_and_listed_by_label()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
        await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-bbbbbbbbbb", TestResources.Labels("dev-mnist", "bbbbbbbbbb")), Token);
        await bed.Client.CreateAsync(TestResources.TfJob("other-train-cccccccccc", TestResources.Labels("dev-other", "cccccccccc")), Token);

        var mine = await bed.Client.ListAsync(ResourceKinds.TFJob, null, "app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist", null, Token);
        var oneRun = await bed.Client.ListAsync(ResourceKinds.TFJob, null, "app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist,kaptain.build/run=bbbbbbbbbb", null, Token);

        Assert.Equal(["mnist-train-aaaaaaaaaa", "mnist-train-bbbbbbbbbb"], mine.Items.Select(KubernetesObjectJson.Name).Order());
        Assert.All(mine.Items, item => Assert.Equal("TFJob", KubernetesObjectJson.Kind(item)));
        Assert.Equal("mnist-train-bbbbbbbbbb", KubernetesObjectJson.Name(Assert.Single(oneRun.Items)));
        Assert.NotNull(mine.ResourceVersion);
    }

    [Fact]
    public async Task Foreground_deletion_of_a_job_is_complete_only_when_its_pods_are_gone()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var job = await bed.Client.CreateAsync(TestResources.Job("mnist-build-aaaaaaaaaa", TestResources.Labels("dev-mnist", "aaaaaaaaaa", "build-image")), Token);
        // The job controller's pod, owned by the job.
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("mnist-build-aaaaaaaaaa-x1", bed.Namespace, new JsonObject { ["job-name"] = "mnist-build-aaaaaaaaaa" }, job));
        var cleaner = new ResourceCleaner(bed.Client, bed.Journal);

        var report = await cleaner.CleanUpRunAsync("aaaaaaaaaa", RunOutcome.Failed, KeepPolicy.RemoveEverything, CancellationToken.None);

        Assert.True(report.Complete, string.Join(Environment.NewLine, report.Problems));
        Assert.Equal(["mnist-build-aaaaaaaaaa"], report.Removed.Select(r => r.Name));
        Assert.Null(bed.Stored(ResourceKinds.Job, "mnist-build-aaaaaaaaaa"));
        Assert.Null(bed.Stored(ResourceKinds.Pod, "mnist-build-aaaaaaaaaa-x1"));
        Assert.Empty(bed.Journal.Pending());
    }

    [Fact]
    public async Task Background_deletion_removes_the_owner_at_once_and_the_dependents_after()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var tfjob = await bed.Client.CreateAsync(TestResources.TfJob("mnist-train-aaaaaaaaaa", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("mnist-train-aaaaaaaaaa-worker-0", bed.Namespace, new JsonObject(), tfjob));

        Assert.True(await bed.Client.DeleteAsync(ResourceKinds.TFJob, null, "mnist-train-aaaaaaaaaa", DeletePropagation.Background, Token));

        Assert.Null(bed.Stored(ResourceKinds.TFJob, "mnist-train-aaaaaaaaaa"));
        var gone = await new ResourceWatch(bed.Client).WaitForDeletionAsync(
            ResourceKinds.Pod, null, "mnist-train-aaaaaaaaaa-worker-0", null, TimeSpan.FromSeconds(30), Token);
        Assert.True(gone);
    }

    [Fact]
    public async Task A_create_cancelled_after_the_server_accepted_it_is_still_journalled()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        // The point between "the server accepted the request" and "the client recorded it": Ctrl+C arrives while the
        // answer is on its way, so the caller sees only the cancellation.
        using var connection = KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = bed.Folder.File("kubeconfig.yaml") }, new TestEnvironment(), [new CancelAfterAcceptedPost(cancellation)]);
        var client = new ClusterResourceClient(connection, bed.Resilience, bed.Journal);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CreateAsync(
            TestResources.Secret("mnist-train-5a5a5a5a5a-s3", TestResources.Labels("dev-mnist", "5a5a5a5a5a")), cancellation.Token));

        var stored = bed.Stored(ResourceKinds.Secret, "mnist-train-5a5a5a5a5a-s3");
        Assert.NotNull(stored);
        var pending = Assert.Single(bed.Journal.Pending("5a5a5a5a5a"));
        Assert.Equal(KubernetesObjectJson.Uid(stored), pending.Resource.Uid);
        // So the cancelled run's cleanup removes it.
        var report = await new ResourceCleaner(bed.Client, bed.Journal).CleanUpRunAsync("5a5a5a5a5a", RunOutcome.Cancelled, KeepPolicy.RemoveEverything, CancellationToken.None);
        Assert.Equal(["mnist-train-5a5a5a5a5a-s3"], report.Removed.Select(r => r.Name));
        Assert.Null(bed.Stored(ResourceKinds.Secret, "mnist-train-5a5a5a5a5a-s3"));
    }

    private sealed class CancelAfterAcceptedPost(CancellationTokenSource cancellation) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && response.IsSuccessStatusCode)
            {
                response.Dispose();
                await cancellation.CancelAsync();
                throw new OperationCanceledException(cancellation.Token);
            }

            return response;
        }
    }

    [Fact]
    public async Task A_create_whose_first_attempt_landed_is_accepted_when_it_carries_our_run()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        // What the server holds after an attempt whose answer was lost: the object, with this run's label.
        var landed = TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa"));
        landed["metadata"]!["namespace"] = bed.Namespace;
        var stored = bed.Cluster.Store.Create(bed.Type(ResourceKinds.Secret), landed);

        var created = await bed.Client.CreateAsync(
            TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);

        Assert.Equal(KubernetesObjectJson.Uid(stored), KubernetesObjectJson.Uid(created));
        Assert.Equal(KubernetesObjectJson.Uid(stored), Assert.Single(bed.Journal.Pending()).Resource.Uid);
    }

    [Fact]
    public async Task Someone_elses_object_of_the_same_name_is_KAPT1011_and_is_not_journalled()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var other = TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "ffffffffff"));
        other["metadata"]!["namespace"] = bed.Namespace;
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Secret), other);

        var error = await Assert.ThrowsAsync<KaptainException>(() => bed.Client.CreateAsync(
            TestResources.Secret("mnist-train-aaaaaaaaaa-s3", TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token));

        Assert.Equal("KAPT1011", Assert.Single(error.Diagnostics).Code);
        Assert.Empty(bed.Journal.Entries);
    }

    [Fact]
    public async Task Server_errors_throttling_and_dropped_connections_are_retried_and_counted()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        bed.Cluster.Faults.Options = new FaultOptions
        {
            InternalErrorRate = 0.25,
            TooManyRequestsRate = 0.15,
            RetryAfterSeconds = 0,
            DropConnectionRate = 0.1,
        };
        bed.Cluster.Faults.Reseed(20261127);

        for (var i = 0; i < 12; i++)
        {
            var name = $"mnist-train-aaaaaaaaaa-s{i}";
            await bed.Client.CreateAsync(TestResources.Secret(name, TestResources.Labels("dev-mnist", "aaaaaaaaaa")), Token);
            Assert.NotNull(await bed.Client.GetAsync(ResourceKinds.Secret, null, name, Token));
        }

        var list = await bed.Client.ListAsync(ResourceKinds.Secret, null, "app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist", null, Token);
        bed.Cluster.Faults.Options = FaultOptions.None;

        Assert.Equal(12, list.Items.Count);
        Assert.Equal(12, bed.Journal.Pending().Count);
        Assert.True(bed.Resilience.RetryCount > 0);
    }

    [Fact]
    public async Task A_kind_the_cluster_does_not_serve_is_reported_as_such()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var widget = new ResourceKind("example.org", "v1", "Widget", "widgets", DeletePropagation.Background);

        Assert.False(await bed.Client.IsServedAsync(widget, Token));
        Assert.True(await bed.Client.IsServedAsync(ResourceKinds.PyTorchJob, Token));
        Assert.True(await bed.Client.IsServedAsync(ResourceKinds.Secret, Token));
        var error = await Assert.ThrowsAsync<KaptainException>(() => bed.Client.ListAsync(widget, null, null, null, Token));
        Assert.Equal("KAPT1010", Assert.Single(error.Diagnostics).Code);
    }

    [Fact]
    public async Task A_missing_namespace_is_KAPT1013_and_an_invalid_resource_is_KAPT1014()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var elsewhere = TestResources.Secret("s");
        elsewhere["metadata"]!["namespace"] = "no-such-namespace";
        var invalid = TestResources.TfJob("mnist-train-aaaaaaaaaa");
        invalid["spec"]!["tfReplicaSpecs"]!["Worker"]!["replicas"] = "many";

        var missing = await Assert.ThrowsAsync<KaptainException>(() => bed.Client.CreateAsync(elsewhere, Token));
        var rejected = await Assert.ThrowsAsync<KaptainException>(() => bed.Client.CreateAsync(invalid, Token));

        Assert.Equal("KAPT1013", Assert.Single(missing.Diagnostics).Code);
        Assert.Equal("KAPT1014", Assert.Single(rejected.Diagnostics).Code);
    }

    [Fact]
    public async Task Events_of_a_pod_are_collected_for_failure_reports()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("build-pod", bed.Namespace, new JsonObject { ["job-name"] = "build" }));
        foreach (var (name, reason, target) in new[] { ("e1", "ErrImagePull", "build-pod"), ("e2", "BackOff", "build-pod"), ("e3", "Scheduled", "another-pod") })
        {
            bed.Cluster.Store.Create(bed.Type(ResourceKinds.Event), new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = bed.Namespace },
                ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["name"] = target, ["namespace"] = bed.Namespace },
                ["type"] = "Warning",
                ["reason"] = reason,
                ["message"] = $"{reason} happened",
                ["count"] = 1,
            });
        }

        var events = await new PodEvents(bed.Client).ForWorkloadAsync(null, "Job", "build", "job-name=build", Token);

        Assert.Equal(["ErrImagePull", "BackOff"], events.Select(e => e.Reason).Order().Reverse());
        Assert.All(events, e => Assert.Equal("build-pod", e.ObjectName));
    }
}
