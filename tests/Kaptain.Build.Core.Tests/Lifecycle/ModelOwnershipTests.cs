using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// Nothing that is not the run's own is touched: the sweep keeps the live deployment whichever source names it, a
/// later object of a recorded name is left with a warning, and two models that share a label value or a Kubernetes
/// name never delete or replace each other's objects.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class ModelOwnershipTests(LifecycleServers servers)
{
    private static readonly ImageReference Image = ImageReference.TryParse("127.0.0.1:5000/tests/model:1", out var image) ? image : throw new InvalidOperationException();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ResourceType IsvcType => servers.Cluster.Store.Resources.Get("serving.kserve.io/v1beta1", "InferenceService");

    private static string Uid(JsonObject resource) => resource["metadata"]!["uid"]!.GetValue<string>();

    [Fact]
    public async Task A_publish_killed_after_creating_the_service_leaves_a_journal_and_the_sweep_keeps_the_live_service()
    {
        using var project = new LifecycleProject(servers, "own-live");
        await project.PutServableModelAsync(Token);
        var published = await KaptainLifecycle.PublishAsync(project.Options(), Token);
        var store = servers.Cluster.Store;
        var service = store.Get(IsvcType, project.Namespace, project.Name);
        var account = store.List(BuiltInResources.ServiceAccount, project.Namespace).Items
            .Single(a => a["metadata"]!["name"]!.GetValue<string>().StartsWith($"{project.Name}-publish-", StringComparison.Ordinal));

        // What a publish killed with SIGKILL right after its creates leaves: a journal naming what it created, the
        // InferenceService (now live) among them.
        using (var journal = ResourceJournal.Open(Path.Combine(project.Intermediate, $"journal-{published.RunId}.jsonl")))
        {
            journal.RecordCreated(account, project.Namespace);
            journal.RecordCreated(service, project.Namespace);
        }

        var result = await KaptainLifecycle.CleanupAsync(project.Options(), Token);

        Assert.DoesNotContain(result.Found, f => f.StartsWith("InferenceService ", StringComparison.Ordinal) || f.StartsWith("ServiceAccount ", StringComparison.Ordinal));
        Assert.Equal(Uid(service), Uid(store.Get(IsvcType, project.Namespace, project.Name)));
        Assert.Contains($"InferenceService/{project.Name}", project.LeftByRuns());
        Assert.Contains($"ServiceAccount/{account["metadata"]!["name"]!.GetValue<string>()}", project.LeftByRuns());
    }

    [Fact]
    public async Task An_object_of_a_recorded_name_with_another_uid_is_left_with_a_warning()
    {
        using var project = new LifecycleProject(servers, "own-uid");
        var store = servers.Cluster.Store;
        var name = $"{project.Name}-build-deadbeef01-docker";
        var labels = new JsonObject
        {
            ["app.kubernetes.io/managed-by"] = "kaptain-build",
            ["kaptain.build/step"] = "build-image",
            ["kaptain.build/run"] = "deadbeef01",
        };

        // The killed run's Secret went (by hand, or by a cleanup of its own), and another object now has its name.
        var first = store.Create(BuiltInResources.Secret, Secret(project.Namespace, name, labels));
        using (var journal = ResourceJournal.Open(Path.Combine(project.Intermediate, "journal-deadbeef01.jsonl")))
        {
            journal.RecordCreated(first, project.Namespace);
        }

        store.Delete(BuiltInResources.Secret, project.Namespace, name);
        var second = store.Create(BuiltInResources.Secret, Secret(project.Namespace, name, labels));

        var result = await KaptainLifecycle.CleanupAsync(project.Options(), Token);

        Assert.Empty(result.Found);
        Assert.Equal(Uid(second), Uid(store.Get(BuiltInResources.Secret, project.Namespace, name)));
        var warning = Assert.Single(project.Log.Warnings, w => w.Code == "KAPT4010");
        Assert.Contains(Uid(second), warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_whose_ids_differ_only_in_a_slash_do_not_sweep_each_others_jobs()
    {
        using var slashed = new LifecycleProject(servers, "own-slash");
        using var dashed = new LifecycleProject(servers, "own-dash");

        // dev/x and dev-x, in one namespace: a plain replacement of '/' made both label values "dev-x".
        var id = "own" + Guid.NewGuid().ToString("n")[..6];
        slashed.Properties[ModelProperties.ModelId] = $"dev/{id}";
        slashed.Properties[ModelProperties.ModelName] = $"{id}-a";
        dashed.Properties[ModelProperties.ModelId] = $"dev-{id}";
        dashed.Properties[ModelProperties.ModelName] = $"{id}-b";
        dashed.Properties[ModelProperties.Namespace] = slashed.Namespace;
        var kept = await KaptainLifecycle.TrainAsync(dashed.Options(Image), Token);
        Assert.True(kept.JobKept);

        var swept = await KaptainLifecycle.CleanupAsync(slashed.Options(), Token);

        Assert.DoesNotContain(swept.Found, f => f.Contains(kept.JobName, StringComparison.Ordinal));
        Assert.Contains($"PyTorchJob/{kept.JobName}", slashed.LeftByRuns());
    }

    [Fact]
    public async Task Undeploy_and_replace_refuse_the_service_of_another_model_of_the_same_name()
    {
        using var teamA = new LifecycleProject(servers, "own-team");
        using var teamB = new LifecycleProject(servers, "own-team");
        await teamA.PutServableModelAsync(Token);
        await teamB.PutServableModelAsync(Token);

        // team-a/mnist and team-b/mnist: both default to the Kubernetes name of their last segment.
        teamA.Properties[ModelProperties.ModelId] = $"team-a/{teamA.Name}";
        teamB.Properties[ModelProperties.ModelId] = $"team-b/{teamA.Name}";
        teamB.Properties[ModelProperties.ModelName] = teamA.Name;
        teamB.Properties[ModelProperties.Namespace] = teamA.Namespace;
        await KaptainLifecycle.PublishAsync(teamA.Options(), Token);
        var before = teamA.Resources();
        var version = servers.Cluster.Store.Get(IsvcType, teamA.Namespace, teamA.Name)["metadata"]!["resourceVersion"]!.GetValue<string>();

        var undeploy = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.UndeployAsync(teamB.Options(), Token));
        teamB.Properties[ModelProperties.Replace] = "true";
        var replace = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.PublishAsync(teamB.Options(), Token));

        Assert.Equal("KAPT1020", undeploy.Diagnostics[0].Code);
        Assert.Equal("KAPT1020", replace.Diagnostics[0].Code);
        Assert.Equal(before, teamA.Resources());
        Assert.Equal(version, servers.Cluster.Store.Get(IsvcType, teamA.Namespace, teamA.Name)["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    private static JsonObject Secret(string ns, string name, JsonObject labels) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels.DeepClone() },
    };
}
