using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>The sweep: what killed runs left is removed; the published deployment stays.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class CleanupStepTests(LifecycleServers servers)
{
    private static readonly ImageReference Image = ImageReference.TryParse("127.0.0.1:5000/tests/model:1", out var image) ? image : throw new InvalidOperationException();

    [Fact]
    public async Task The_sweep_removes_leftovers_of_killed_runs_and_kept_jobs_but_not_the_deployment()
    {
        using var project = new LifecycleProject(servers, "sweep");
        var token = TestContext.Current.CancellationToken;
        await project.PutServableModelAsync(token);
        var published = await KaptainLifecycle.PublishAsync(project.Options(), token);
        var trained = await KaptainLifecycle.TrainAsync(project.Options(Image), token);

        // What a run killed with SIGKILL leaves: labelled resources of its own run id, and one only its journal knows.
        var store = servers.Cluster.Store;
        var labels = new JsonObject
        {
            ["app.kubernetes.io/managed-by"] = "kaptain-build",
            ["kaptain.build/model"] = ManifestLabels.ModelLabelValue(project.ModelId),
            ["kaptain.build/step"] = "build-image",
            ["kaptain.build/run"] = "deadbeef01",
        };
        store.Create(BuiltInResources.Secret, Ours(Resource("v1", "Secret", project.Namespace, $"{project.Name}-build-deadbeef01-s3", labels), project.ModelId));
        store.Create(BuiltInResources.Job, Ours(Resource("batch/v1", "Job", project.Namespace, $"{project.Name}-build-deadbeef01", labels, new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["restartPolicy"] = "Never",
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = "kaniko", ["image"] = "busybox", ["args"] = new JsonArray("sleep") }),
                },
            },
        }), project.ModelId));
        var unlabelled = store.Create(BuiltInResources.Secret, Resource("v1", "Secret", project.Namespace, "unlabelled-leftover", null));
        using (var journal = ResourceJournal.Open(Path.Combine(project.Intermediate, "journal-0123456789.jsonl")))
        {
            // The journal records the uid the server gave at create: that, not a label, makes it this run's.
            journal.Record(
                JournalAction.Created,
                new ResourceReference("v1", "Secret", project.Namespace, "unlabelled-leftover", unlabelled["metadata"]!["uid"]!.GetValue<string>()),
                "build-image",
                "0123456789");
        }

        var result = await KaptainLifecycle.CleanupAsync(project.Options(), token);

        Assert.Contains($"PyTorchJob {project.Namespace}/{trained.JobName}", result.Found);
        Assert.Contains($"Job {project.Namespace}/{project.Name}-build-deadbeef01", result.Found);
        Assert.Contains($"Secret {project.Namespace}/{project.Name}-build-deadbeef01-s3", result.Found);
        Assert.Contains($"Secret {project.Namespace}/unlabelled-leftover", result.Found);
        Assert.DoesNotContain(result.Found, f => f.StartsWith("InferenceService ", StringComparison.Ordinal) || f.StartsWith("ServiceAccount ", StringComparison.Ordinal));
        var left = project.LeftByRuns();
        Assert.Equal(2, left.Count);
        Assert.Contains($"InferenceService/{published.InferenceServiceName}", left);
        Assert.Contains(left, r => r.StartsWith($"ServiceAccount/{project.Name}-publish-{published.RunId}", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(project.Intermediate, "journal-*"));
    }

    [Fact]
    public async Task A_sweep_with_nothing_left_says_so()
    {
        using var project = new LifecycleProject(servers, "sweep-empty");

        var result = await KaptainLifecycle.CleanupAsync(project.Options(), TestContext.Current.CancellationToken);

        Assert.Empty(result.Found);
        Assert.Contains(project.Log.Lines, line => line.StartsWith("Nothing of model", StringComparison.Ordinal));
    }

    private static JsonObject Ours(JsonObject resource, string modelId)
    {
        resource["metadata"]!["annotations"] = new JsonObject { ["kaptain.build/model-id"] = modelId };
        return resource;
    }

    private static JsonObject Resource(string apiVersion, string kind, string ns, string name, JsonObject? labels, JsonObject? spec = null)
    {
        var resource = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels?.DeepClone() ?? new JsonObject() },
        };
        if (spec is not null)
        {
            resource["spec"] = spec;
        }

        return resource;
    }
}
