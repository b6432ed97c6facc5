using System.Text.Json.Nodes;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// Crash recovery: <c>dotnet build -t:KaptainTrain</c> killed with SIGKILL while its job runs (nothing of the run's own
/// cleanup can happen), then <c>dotnet build -t:KaptainCleanup</c>: nothing of the model is left, and the resources of
/// another model in the same namespace (created beforehand, with Kaptain's labels) are untouched.
/// </summary>
// One collection: the bad input corpus counts every mutating request the shared cluster receives.
[Collection("reliability")]
public sealed class CrashRecoveryTests(ReliabilityServers fixture)
{
    private const int SigKill = 9;

    private LifecycleServers Servers => fixture.Servers;

    [Fact]
    public async Task A_sweep_after_SIGKILL_removes_the_run_and_touches_no_other_model()
    {
        var token = TestContext.Current.CancellationToken;
        var project = Servers.NewProject("mnist-pytorch", "crash");
        var others = CreateOtherModelResources(project.Namespace);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        await using (var running = project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")).Start())
        {
            await running.WaitForLineAsync("epoch 1 started", timeout.Token);
            Assert.True(UnixSignal.Send(running.Pid, SigKill), running.Log);
            await running.WaitForExitAsync(timeout.Token);
        }

        var leftByKill = OwnResources(project);
        Assert.NotEmpty(leftByKill); // the kill really left something for the sweep

        var cleanup = await project.Build("KaptainCleanup").RunAsync(timeout.Token);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        // Everything in the namespace but the other model's resources (pods without the model's labels count too).
        var left = Servers.ResourcesIn(project.Namespace).All.Where(r => !r.Name.StartsWith("other-model-", StringComparison.Ordinal)).ToList();
        var touched = others.Count(o =>
        {
            var now = Servers.Cluster.Store.TryGet(o.Type, project.Namespace, o.Name);
            return now is null || now["metadata"]!["resourceVersion"]!.GetValue<string>() != o.ResourceVersion;
        });

        ReliabilityFigures.Record("Crash recovery (SIGKILL during KaptainTrain, then KaptainCleanup)", "resources left by the kill", leftByKill.Count);
        ReliabilityFigures.Record("Crash recovery (SIGKILL during KaptainTrain, then KaptainCleanup)", "resources left after the sweep", left.Count, "0");
        ReliabilityFigures.Record("Crash recovery (SIGKILL during KaptainTrain, then KaptainCleanup)", "resources of another model touched", touched, "0");
        Assert.True(left.Count == 0, string.Join(", ", left) + Environment.NewLine + cleanup.Log);
        Assert.Equal(0, touched);
    }

    private List<ClusterResource> OwnResources(SampleProject project) =>
        [.. Servers.ResourcesIn(project.Namespace).All.Where(r => r.Label("kaptain.build/model") == project.ModelLabel)];

    private List<(ResourceType Type, string Name, string ResourceVersion)> CreateOtherModelResources(string @namespace)
    {
        var created = new List<(ResourceType, string, string)>();
        foreach (var type in new[] { BuiltInResources.Secret, BuiltInResources.ServiceAccount })
        {
            var name = $"other-model-{type.Kind.ToLowerInvariant()}";
            var labels = new JsonObject
            {
                ["app.kubernetes.io/managed-by"] = "kaptain-build",
                ["kaptain.build/model"] = "dev-other-model",
                ["kaptain.build/step"] = "train",
                ["kaptain.build/run"] = "0123456789",
            };
            var stored = Servers.Cluster.Store.Create(type, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["labels"] = labels } });
            created.Add((type, name, stored["metadata"]!["resourceVersion"]!.GetValue<string>()));
        }

        return created;
    }
}
