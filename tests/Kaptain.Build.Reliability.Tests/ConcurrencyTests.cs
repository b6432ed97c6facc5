using Kaptain.Build.Lifecycle;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// Concurrency: two runs of one model and a run of another model train at once in one namespace (in-process core
/// calls); one of the two same-model runs is cancelled as soon as it created its job. The others finish, keep exactly
/// their own job, and the cancelled run removes only its own.
/// </summary>
public abstract class ConcurrencyTests(ReliabilityServers fixture) : ReliabilityTest(fixture)
{
    [Fact]
    public async Task Concurrent_runs_do_not_clash_and_each_cleans_only_its_own()
    {
        const string Namespace = "concurrency";
        var kubeconfig = await NamespaceAsync(Namespace);
        var a = InProcessModel.Create(Servers, "conc-a", Namespace, kubeconfig, "succeed after=2s");
        var b = InProcessModel.Create(Servers, "conc-b", Namespace, kubeconfig, "succeed after=2s");
        using var cancelA2 = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var token = TestContext.Current.CancellationToken;

        using var never = new CancellationTokenSource();
        var logs = new[] { new TriggerLog(0, never), new TriggerLog(1, cancelA2), new TriggerLog(0, never) };
        var a1 = KaptainLifecycle.TrainAsync(a.Options(logs[0], runId: "a1a1a1a1a1"), token);
        var a2 = KaptainLifecycle.TrainAsync(a.Options(logs[1], runId: "a2a2a2a2a2", intermediate: "kaptain-a2"), cancelA2.Token);
        var b1 = KaptainLifecycle.TrainAsync(b.Options(logs[2], runId: "b1b1b1b1b1"), token);

        var kept = new[] { await a1, await b1 };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a2);

        var resources = (await ResourcesInAsync(Namespace)).All;
        var jobs = resources.Where(r => r.Kind == "PyTorchJob").ToList();
        var runs = jobs.Select(j => j.Label("kaptain.build/run")).Order(StringComparer.Ordinal).ToList();
        // What can go wrong when runs share a namespace: a create that meets another run's object (AlreadyExists, which
        // the client turns into KAPT1011), and a run that removes an object it did not create.
        var lines = logs.SelectMany(l => { lock (l.Lines) { return l.Lines.ToList(); } }).ToList();
        var alreadyExists = lines.Count(l => l.Contains("KAPT1011", StringComparison.Ordinal) || l.Contains("AlreadyExists", StringComparison.Ordinal));
        var cancelledReport = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(a.Directory, "obj", "kaptain-a2", "run-report-train.json")))!;
        var created = Names(cancelledReport["created"]);
        var removedForeign = Names(cancelledReport["removed"]).Count(r => !created.Contains(r))
            // A kept job and the S3 Secret it owns are reported kept: each must still be there.
            + kept.Sum(result => result.Kept.Count(k => !resources.Any(r => k == $"{r.Kind} {Namespace}/{r.Name}")));
        var clashes = alreadyExists + removedForeign;
        var foreignTouched = (runs.Contains("a1a1a1a1a1") ? 0 : 1) + (runs.Contains("b1b1b1b1b1") ? 0 : 1);
        var cancelledLeft = resources.Count(r => r.Label("kaptain.build/run") == "a2a2a2a2a2");

        Record("Concurrency (3 runs, 2 models, 1 namespace, 1 cancelled)", "name clashes", clashes, "0");
        Record("Concurrency (3 runs, 2 models, 1 namespace, 1 cancelled)", "other runs' jobs removed", foreignTouched, "0");
        Record("Concurrency (3 runs, 2 models, 1 namespace, 1 cancelled)", "cancelled run's resources left", cancelledLeft, "0");
        Assert.Equal(["a1a1a1a1a1", "b1b1b1b1b1"], runs);
        Assert.Equal(0, clashes);
        Assert.Equal(0, cancelledLeft);
        Assert.True(created.Count > 0, "The cancelled run's report names nothing it created.");
    }

    private static List<string> Names(System.Text.Json.Nodes.JsonNode? array) =>
        [.. (array?.AsArray() ?? []).Select(n => n!.GetValue<string>())];
}
