using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>Following pod logs through the local cluster's pods/log API while the test plays the kubelet.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class PodLogStreamerTests(SharedLocalCluster shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private sealed class RecordingSink : IPodLogSink
    {
        private readonly ConcurrentQueue<PodLogLine> lines = new();
        private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<PodLogLine> Lines => [.. lines];

        public void WriteLine(PodLogLine line)
        {
            lines.Enqueue(line);
            Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        public async Task WaitForAsync(Func<IReadOnlyList<PodLogLine>, bool> condition)
        {
            using var guard = CancellationTokenSource.CreateLinkedTokenSource(Token);
            guard.CancelAfter(TimeSpan.FromSeconds(60));
            while (true)
            {
                var next = Volatile.Read(ref changed).Task;
                if (condition(Lines))
                {
                    return;
                }

                await next.WaitAsync(guard.Token);
            }
        }
    }

    private static void Status(LocalClusterTestBed bed, string pod, JsonObject status) =>
        bed.Cluster.Store.Mutate(bed.Type(ResourceKinds.Pod), bed.Namespace, pod, p =>
        {
            p["status"] = status;
            return true;
        }, status: true);

    [Fact]
    public async Task Every_pod_is_followed_with_its_prefix_across_a_cut_stream_and_a_restart()
    {
                await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var ns = bed.Namespace;
        var labels = new JsonObject { ["training.kubeflow.org/job-name"] = "mnist-train-aaaaaaaaaa" };
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("worker-0", ns, labels.DeepClone().AsObject(), restartPolicy: "OnFailure"));
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("unrelated", ns, new JsonObject { ["app"] = "x" }));
        var sink = new RecordingSink();
        await using var streamer = new PodLogStreamer(bed.Client, null, "training.kubeflow.org/job-name=mnist-train-aaaaaaaaaa", sink, bed.Resilience);
        streamer.Start(Token);

        // Pending first; then the container starts and logs.
        bed.Cluster.Logs.StartContainer(ns, "worker-0", "main");
        bed.Cluster.Logs.Append(ns, "worker-0", "main", "epoch 1");
        Status(bed, "worker-0", TestResources.ContainerStatus("Running", "running", 0));
        bed.Cluster.Logs.Append(ns, "worker-0", "main", "epoch 2");
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "epoch 2"));

        // The connection is cut mid-stream; the stream is reopened without repeating lines.
        bed.Proxy.DropAll();
        bed.Cluster.Logs.Append(ns, "worker-0", "main", "epoch 3");
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "epoch 3"));

        // The container crashes and restarts: its last words, a note, then the new container.
        bed.Cluster.Logs.Append(ns, "worker-0", "main", "out of memory");
        bed.Cluster.Logs.Restart(ns, "worker-0", "main");
        Status(bed, "worker-0", TestResources.ContainerStatus("Running", "running", 1));
        bed.Cluster.Logs.Append(ns, "worker-0", "main", "epoch 1 again");
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "epoch 1 again"));

        // A second replica shows up later.
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("worker-1", ns, labels.DeepClone().AsObject()));
        bed.Cluster.Logs.StartContainer(ns, "worker-1", "main");
        bed.Cluster.Logs.Append(ns, "worker-1", "main", "hello from 1");
        Status(bed, "worker-1", TestResources.ContainerStatus("Running", "running", 0));
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "hello from 1"));

        // Both finish; stopping drains what is left.
        bed.Cluster.Logs.Append(ns, "worker-0", "main", "done 0");
        bed.Cluster.Logs.Append(ns, "worker-1", "main", "done 1");
        bed.Cluster.Logs.Terminate(ns, "worker-0", "main");
        bed.Cluster.Logs.Terminate(ns, "worker-1", "main");
        Status(bed, "worker-0", TestResources.ContainerStatus("Succeeded", "terminated", 1));
        Status(bed, "worker-1", TestResources.ContainerStatus("Succeeded", "terminated", 0));
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "done 0") && lines.Any(l => l.Text == "done 1"));
        await streamer.StopAsync(TimeSpan.FromSeconds(30));

        // A cut that breaks the stream with an error is reported, at most once; the restart is marked.
        Assert.True(sink.Lines.Count(l => l.Pod == "worker-0" && l.IsNote && l.Text.Contains("is not available", StringComparison.Ordinal)) <= 1);
        var worker0 = sink.Lines.Where(l => l.Pod == "worker-0" && !l.Text.Contains("is not available", StringComparison.Ordinal)).Select(l => l.IsNote ? "NOTE" : l.Text);
        Assert.Equal(["epoch 1", "epoch 2", "epoch 3", "out of memory", "NOTE", "epoch 1 again", "done 0"], worker0);
        Assert.Equal(["hello from 1", "done 1"], sink.Lines.Where(l => l.Pod == "worker-1").Select(l => l.Text));
        Assert.DoesNotContain(sink.Lines, l => l.Pod == "unrelated");
        Assert.Equal("[worker-1] hello from 1", sink.Lines.First(l => l.Pod == "worker-1").ToString());
        Assert.True(streamer.Reconnects > 0);
        Assert.True(bed.Proxy.Drops > 0);
    }

    [Fact]
    public async Task A_pod_that_restarted_before_we_came_shows_its_previous_log_first()
    {
                await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var ns = bed.Namespace;
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("build-x", ns, new JsonObject { ["job-name"] = "build" }, restartPolicy: "OnFailure"));
        bed.Cluster.Logs.StartContainer(ns, "build-x", "main");
        bed.Cluster.Logs.Append(ns, "build-x", "main", "error: cannot push");
        bed.Cluster.Logs.Restart(ns, "build-x", "main");
        bed.Cluster.Logs.Append(ns, "build-x", "main", "retrying push");
        bed.Cluster.Logs.Terminate(ns, "build-x", "main");
        Status(bed, "build-x", TestResources.ContainerStatus("Failed", "terminated", 1, exitCode: 1));
        var sink = new RecordingSink();
        await using var streamer = new PodLogStreamer(bed.Client, null, "job-name=build", sink);

        streamer.Start(Token);
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "retrying push"));
        await streamer.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(
            ["NOTE", "error: cannot push", "NOTE", "retrying push"],
            sink.Lines.Select(l => l.IsNote ? "NOTE" : l.Text));
    }

    [Fact]
    public async Task A_log_that_cannot_be_opened_is_reported_once_with_the_servers_reason_and_retried()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var ns = bed.Namespace;
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), TestResources.Pod("train-0", ns, new JsonObject { ["job-name"] = "quiet" }));
        var sink = new RecordingSink();
        await using var streamer = new PodLogStreamer(bed.Client, null, "job-name=quiet", sink);

        // The pod says its container runs, but the log cannot be read (the server answers 400 "waiting to start", as a
        // real API server answers with its kubelet's error).
        Status(bed, "train-0", TestResources.ContainerStatus("Running", "running", 0));
        streamer.Start(Token);
        await sink.WaitForAsync(lines => lines.Any(l => l.IsNote));

        bed.Cluster.Logs.StartContainer(ns, "train-0", "main");
        bed.Cluster.Logs.Append(ns, "train-0", "main", "finally");
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "finally"));
        bed.Cluster.Logs.Terminate(ns, "train-0", "main");
        Status(bed, "train-0", TestResources.ContainerStatus("Succeeded", "terminated", 0));
        await streamer.StopAsync(TimeSpan.FromSeconds(30));

        var note = Assert.Single(sink.Lines, l => l.IsNote);
        Assert.Contains("400", note.Text, StringComparison.Ordinal);
        Assert.Contains("waiting to start", note.Text, StringComparison.Ordinal);
        Assert.Equal(["finally"], sink.Lines.Where(l => !l.IsNote).Select(l => l.Text));
        Assert.True(streamer.Reconnects > 0);
    }

    [Fact]
    public async Task The_no_content_answer_for_an_unbound_pod_is_waited_out_without_a_report()
    {
        await using var bed = await LocalClusterTestBed.StartAsync(shared, Token);
        var ns = bed.Namespace;
        var pod = TestResources.Pod("unbound-0", ns, new JsonObject { ["job-name"] = "unbound" });
        pod["spec"]!.AsObject().Remove("nodeName");
        bed.Cluster.Store.Create(bed.Type(ResourceKinds.Pod), pod);
        var sink = new RecordingSink();
        await using var streamer = new PodLogStreamer(bed.Client, null, "job-name=unbound", sink);

        // The status says running before the pod is bound: the server answers 204 (no kubelet to ask).
        Status(bed, "unbound-0", TestResources.ContainerStatus("Running", "running", 0));
        streamer.Start(Token);
        bed.Cluster.Logs.StartContainer(ns, "unbound-0", "main");
        bed.Cluster.Logs.Append(ns, "unbound-0", "main", "bound at last");
        bed.Cluster.Store.Mutate(bed.Type(ResourceKinds.Pod), ns, "unbound-0", p =>
        {
            p["spec"]!["nodeName"] = "node-1";
            return true;
        });
        Status(bed, "unbound-0", TestResources.ContainerStatus("Running", "running", 0));
        await sink.WaitForAsync(lines => lines.Any(l => l.Text == "bound at last"));
        bed.Cluster.Logs.Terminate(ns, "unbound-0", "main");
        Status(bed, "unbound-0", TestResources.ContainerStatus("Succeeded", "terminated", 0));
        await streamer.StopAsync(TimeSpan.FromSeconds(30));

        // Nothing was reported while the server answered 204; the line came once the pod was bound.
        var lines = sink.Lines.ToList();
        Assert.Equal("bound at last", lines[0].Text);
        Assert.Equal(["bound at last"], lines.Where(l => !l.IsNote).Select(l => l.Text));
    }
}
