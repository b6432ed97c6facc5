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
[Collection("reliability")]
public sealed class ConcurrencyTests(ReliabilityServers fixture)
{
    private LifecycleServers Servers => fixture.Servers;

    [Fact]
    public async Task Concurrent_runs_do_not_clash_and_each_cleans_only_its_own()
    {
        const string Namespace = "concurrency";
        var a = InProcessModel.Create(Servers, "conc-a", Namespace, "succeed after=2s");
        var b = InProcessModel.Create(Servers, "conc-b", Namespace, "succeed after=2s");
        using var cancelA2 = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var token = TestContext.Current.CancellationToken;

        var a1 = KaptainLifecycle.TrainAsync(a.Options(runId: "a1a1a1a1a1"), token);
        var a2 = KaptainLifecycle.TrainAsync(a.Options(new TriggerLog(1, cancelA2), runId: "a2a2a2a2a2"), cancelA2.Token);
        var b1 = KaptainLifecycle.TrainAsync(b.Options(runId: "b1b1b1b1b1"), token);

        await a1;
        await b1;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a2);

        var resources = Servers.ResourcesIn(Namespace).All;
        var jobs = resources.Where(r => r.Kind == "PyTorchJob").ToList();
        var runs = jobs.Select(j => j.Label("kaptain.build/run")).Order(StringComparer.Ordinal).ToList();
        var clashes = jobs.Count - jobs.Select(j => j.Name).Distinct().Count();
        var foreignTouched = (runs.Contains("a1a1a1a1a1") ? 0 : 1) + (runs.Contains("b1b1b1b1b1") ? 0 : 1);
        var cancelledLeft = resources.Count(r => r.Label("kaptain.build/run") == "a2a2a2a2a2");

        ReliabilityFigures.Record("Concurrency (3 runs, 2 models, 1 namespace, 1 cancelled)", "name clashes", clashes, "0");
        ReliabilityFigures.Record("Concurrency (3 runs, 2 models, 1 namespace, 1 cancelled)", "other runs' jobs removed", foreignTouched, "0");
        ReliabilityFigures.Record("Concurrency (3 runs, 2 models, 1 namespace, 1 cancelled)", "cancelled run's resources left", cancelledLeft, "0");
        Assert.Equal(["a1a1a1a1a1", "b1b1b1b1b1"], runs);
        Assert.Equal(0, clashes);
        Assert.Equal(0, cancelledLeft);
    }
}
