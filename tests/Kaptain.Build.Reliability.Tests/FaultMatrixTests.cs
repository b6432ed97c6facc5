using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.LocalCluster.Faults;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// Fault matrix: the train step runs to completion in-process while the local cluster injects one kind of fault at a
/// rate, with a workload that succeeds or fails. The reported result must be the simulated truth (Succeeded, or
/// KAPT1103) and a failed run must leave nothing. Every fault is injected at the stated rate of requests (latency: that
/// share of requests is delayed by 200 ms; dropped watches: that share of watches ends within 500 ms). The figures give
/// the faults the server injected and the retries the client made (<c>retries</c> in each run report, the cluster
/// layer's <c>ClusterResilience.RetryCount</c>).
/// Stand-in only: the faults are injected inside the stand-in's API server (<c>LocalClusterServer.Faults</c>), where
/// they are counted; kube-apiserver has no such switch, and a fault made on the client's side of the wire would test
/// the client layer, not what a server's 500 or cut watch does to a run. A fault proxy in front of kube-apiserver is
/// what would carry this matrix to the real control plane.
/// </summary>
// One collection with the bad input corpus, which counts every mutating request the local cluster receives.
[Collection("reliability")]
public sealed class FaultMatrixTests(LocalClusterReliabilityServers fixture) : ReliabilityTest(fixture)
{
    private static int _namespaces;

    public static TheoryData<string, double> Matrix
    {
        get
        {
            var data = new TheoryData<string, double>();
            var kinds = ReliabilityServers.Full ? new[] { "500", "429", "dropped connections", "dropped watches", "latency" } : ["500", "dropped watches"];
            var rates = ReliabilityServers.Full ? new[] { 0.05, 0.2 } : [0.1];
            foreach (var kind in kinds)
            {
                foreach (var rate in rates)
                {
                    data.Add(kind, rate);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task The_reported_result_is_the_truth_and_nothing_leaks(string kind, double rate)
    {
        var faults = kind switch
        {
            "500" => new FaultOptions { InternalErrorRate = rate },
            "429" => new FaultOptions { TooManyRequestsRate = rate, RetryAfterSeconds = 0 },
            "dropped connections" => new FaultOptions { DropConnectionRate = rate },
            "dropped watches" => new FaultOptions { WatchDropRate = rate, WatchDropAfter = TimeSpan.FromMilliseconds(500) },
            _ => new FaultOptions { Latency = TimeSpan.FromMilliseconds(200), LatencyRate = rate },
        };
        var differs = new List<string>();
        var leaks = new List<string>();
        var runs = 0;
        var retries = 0L;
        var before = Counters();
        try
        {
            foreach (var succeed in new[] { true, false })
            {
                var @namespace = $"faults-{Interlocked.Increment(ref _namespaces)}";
                var model = InProcessModel.Create(Servers, "faults", @namespace, await NamespaceAsync(@namespace), succeed ? "succeed after=1s" : "fail after=1s reason=Error exit=1");
                Servers.Cluster.Faults.Options = faults;
                runs++;
                string outcome;
                try
                {
                    var result = await KaptainLifecycle.TrainAsync(model.Options(), TestContext.Current.CancellationToken);
                    outcome = result.State;
                }
                catch (KaptainException e)
                {
                    outcome = string.Join(",", e.Diagnostics.Select(d => d.Code));
                }
                finally
                {
                    Servers.Cluster.Faults.Options = FaultOptions.None;
                }

                retries += RetriesOf(model);
                var truth = succeed ? "Succeeded" : "KAPT1103";
                if (outcome != truth)
                {
                    differs.Add($"{(succeed ? "succeeding" : "failing")} workload reported {outcome}");
                }

                // A succeeding job is kept, with what its operator made for it (its pods, a headless Service per replica).
                var left = (await ResourcesInAsync(@namespace)).All.Where(r => succeed ? r.Kind is not ("PyTorchJob" or "Pod") && !r.IsOwnedBy("PyTorchJob") : true).ToList();
                if (left.Count > 0)
                {
                    leaks.Add($"{(succeed ? "succeeding" : "failing")} workload left {string.Join(", ", left)}");
                }
            }
        }
        finally
        {
            Servers.Cluster.Faults.Options = FaultOptions.None;
        }

        var injected = Counters() - before;
        var area = "Fault matrix (train step, in-process)";
        Record(area, $"{kind} at {rate}: runs", runs);
        Record(area, $"{kind} at {rate}: faults injected", injected);
        Record(area, $"{kind} at {rate}: retries the client made", retries);
        Record(area, $"{kind} at {rate}: results differing from the truth", differs.Count, "0");
        Record(area, $"{kind} at {rate}: runs with leaks", leaks.Count, "0");
        Assert.True(differs.Count + leaks.Count == 0, string.Join(Environment.NewLine, differs.Concat(leaks)));
        // Faults that fail a request must show up as retries; latency and cut watches need none (a cut watch resumes).
        if (kind is "500" or "429" or "dropped connections" && injected > 0)
        {
            Assert.True(retries > 0, $"{injected} faults of kind {kind} were injected, but the client retried none.");
        }
    }

    private long Counters()
    {
        var counters = Servers.Cluster.Faults.ToJson()["counters"]!;
        return new[] { "internalErrors", "tooManyRequests", "droppedConnections", "droppedWatches", "delayedRequests" }.Sum(n => counters[n]!.GetValue<long>());
    }

    // The run report of the train step, written on success and failure alike.
    private static long RetriesOf(InProcessModel model)
    {
        var report = Path.Combine(model.Directory, "obj", "kaptain", "run-report-train.json");
        return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(report))!["retries"]!.GetValue<long>();
    }
}
