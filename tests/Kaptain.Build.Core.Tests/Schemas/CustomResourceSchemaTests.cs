using System.Text.Json.Nodes;
using k8s;
using Kaptain.Build.Context;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using static Kaptain.Build.Core.Tests.TestModelProject;
using I = Kaptain.Build.Model.ModelItemTypes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>Every custom resource, for both frameworks and a matrix of options, is accepted by the real upstream schemas.</summary>
public sealed class CustomResourceSchemaTests
{
    private static readonly Dictionary<string, Action<TestModelProject>> Options = new()
    {
        ["defaults"] = _ => { },
        ["one worker, single resources, gpus"] = p =>
        {
            p.Properties[P.Workers] = "1";
            p.Properties[P.Cpu] = "2";
            p.Properties[P.Memory] = "4Gi";
            p.Properties[P.Gpus] = "1";
        },
        ["many workers, requests and limits, env, args, ttl"] = p =>
        {
            p.Properties[P.Workers] = "4";
            p.Properties[P.CpuRequest] = "500m";
            p.Properties[P.CpuLimit] = "2";
            p.Properties[P.MemoryRequest] = "1Gi";
            p.Properties[P.MemoryLimit] = "2Gi";
            p.Properties[P.TtlSecondsAfterFinished] = "600";
            p.Items.Add(Item(I.EnvironmentVariable, "LOCAL_CLUSTER_SCENARIO", ("Value", "succeed")));
            p.Items.Add(Item(I.TrainArgument, "--verbose"));
            p.Items.Add(Item(I.Label, "team", ("Value", "vision")));
        },
        ["minimize, goal, grid with steps, settings"] = p =>
        {
            p.Properties[P.ObjectiveType] = "minimize";
            p.Properties[P.ObjectiveGoal] = "0.05";
            p.Properties[P.Objectives] = "loss";
            p.Properties[P.Algorithm] = "grid";
            p.Items.RemoveAll(i => i.ItemType == I.SearchParameter && i.ItemSpec == "lr");
            p.Items.Add(Item(I.SearchParameter, "lr", ("Type", "double"), ("Min", "0.01"), ("Max", "0.05"), ("Step", "0.01")));
            p.Items.Add(Item(I.AlgorithmSetting, "random_state", ("Value", "42")));
        },
        ["bayesian optimization with settings"] = p =>
        {
            p.Properties[P.Algorithm] = "bayesianoptimization";
            p.Items.Add(Item(I.AlgorithmSetting, "base_estimator", ("Value", "GP")));
            p.Items.Add(Item(I.AlgorithmSetting, "n_initial_points", ("Value", "10")));
        },
        ["hyperband"] = p =>
        {
            p.Properties[P.Algorithm] = "hyperband";
            p.Properties[P.ParallelTrials] = "9";
            p.Items.Add(Item(I.AlgorithmSetting, "r_l", ("Value", "9")));
            p.Items.Add(Item(I.AlgorithmSetting, "resource_name", ("Value", "batch-size")));
        },
        ["raw deployment, serving resources, replicas"] = p =>
        {
            p.Properties[P.DeploymentMode] = "RawDeployment";
            p.Properties[P.ServingCpu] = "1";
            p.Properties[P.ServingMemory] = "2Gi";
            p.Properties[P.ServingGpus] = "1";
            p.Properties[P.MinReplicas] = "1";
            p.Properties[P.MaxReplicas] = "3";
        },
        ["serverless canary"] = p => p.Properties[P.CanaryTrafficPercent] = "10",
        ["legacy serving group, scale to zero, canary"] = p =>
        {
            p.Properties[P.ServingApiGroup] = "serving.kubeflow.org";
            p.Properties[P.MinReplicas] = "0";
            p.Properties[P.CanaryTrafficPercent] = "25";
            p.Properties[P.ServingMemory] = "1Gi";
            p.Items.Add(Item(I.EnvironmentVariable, "MODE", ("Value", "serve")));
        },
        ["https storage, own model uri, namespace"] = p =>
        {
            p.Properties[P.S3Endpoint] = "https://s3.eu-west-1.amazonaws.com";
            p.Properties[P.S3Region] = "eu-west-1";
            p.Properties[P.ModelUri] = "s3://models-bucket/mnist/42";
            p.Properties[P.Namespace] = "team-vision";
        },
    };

    public static TheoryData<string, string> Matrix
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var framework in new[] { "tensorflow", "pytorch" })
            {
                foreach (var option in Options.Keys)
                {
                    data.Add(framework, option);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Custom_resources_validate_against_the_upstream_schemas(string framework, string option)
    {
        using var project = new TestModelProject(framework);
        Options[option](project);
        var resources = await RenderCustomResourcesAsync(project);

        Assert.Equal(3, resources.Count);
        foreach (var resource in resources)
        {
            var json = Json(resource);
            var errors = UpstreamSchemas.For(resource.ApiVersion, resource.Kind).Errors(json);
            Assert.True(errors.Count == 0, $"{resource.Kind} is rejected:\n{string.Join("\n", errors)}\n{json}");

            if (resource.Kind == ExperimentManifest.Kind)
            {
                Assert.Empty(KatibWebhookRules.Check(json.AsObject()));
                var trialSpec = json["spec"]!["trialTemplate"]!["trialSpec"]!;
                var trialErrors = UpstreamSchemas.For((string)trialSpec["apiVersion"]!, (string)trialSpec["kind"]!).Errors(trialSpec);
                Assert.True(trialErrors.Count == 0, $"the trial spec is rejected:\n{string.Join("\n", trialErrors)}");
            }
        }
    }

    public static TheoryData<string, string> Breakages => new()
    {
        { "TFJob", "spec.tfReplicaSpecs.Worker.replicas as a string" },
        { "TFJob", "unknown field in the run policy" },
        { "TFJob", "malformed cpu quantity" },
        { "TFJob", "replicas beyond int32" },
        { "PyTorchJob", "unknown replica field" },
        { "Experiment", "maxTrialCount as a string" },
        { "Experiment", "unknown objective field" },
        { "InferenceService", "misspelt scaleTarget" },
        { "InferenceService", "canary percent as a string" },
        { "InferenceService (legacy)", "scaleTarget, which the legacy group lacks" },
    };

    /// <summary>The validators are not vacuous: a deliberately broken resource is rejected.</summary>
    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_broken_resource_is_rejected(string kind, string breakage)
    {
        using var project = new TestModelProject(kind == "TFJob" ? "tensorflow" : "pytorch");
        if (kind.Contains("legacy", StringComparison.Ordinal))
        {
            project.Properties[P.ServingApiGroup] = "serving.kubeflow.org";
        }

        var resource = (await RenderCustomResourcesAsync(project)).Single(r => kind.StartsWith(r.Kind, StringComparison.Ordinal));
        var json = Json(resource);
        var validator = UpstreamSchemas.For(resource.ApiVersion, resource.Kind);
        Assert.Empty(validator.Errors(json));

        var spec = json["spec"]!.AsObject();
        switch (breakage)
        {
            case "spec.tfReplicaSpecs.Worker.replicas as a string": spec["tfReplicaSpecs"]!["Worker"]!["replicas"] = "two"; break;
            case "unknown field in the run policy": spec["runPolicy"]!["cleanupPolicy"] = "All"; break;
            case "malformed cpu quantity":
                spec["tfReplicaSpecs"]!["Worker"]!["template"]!["spec"]!["containers"]![0]!["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "abc" } };
                break;
            case "replicas beyond int32": spec["tfReplicaSpecs"]!["Worker"]!["replicas"] = 3_000_000_000L; break;
            case "unknown replica field": spec["pytorchReplicaSpecs"]!["Master"]!["replica"] = 1; break;
            case "maxTrialCount as a string": spec["maxTrialCount"] = "16"; break;
            case "unknown objective field": spec["objective"]!["metric"] = "accuracy"; break;
            case "misspelt scaleTarget": spec["predictor"]!["scaleTarge"] = 2; break;
            case "canary percent as a string": spec["predictor"]!["canaryTrafficPercent"] = "10"; break;
            case "scaleTarget, which the legacy group lacks": spec["predictor"]!["scaleTarget"] = 2; break;
            default: throw new ArgumentException(breakage);
        }

        Assert.NotEmpty(validator.Errors(json));
    }

    [Fact]
    public async Task Webhook_rules_reject_an_experiment_with_an_undeclared_trial_parameter()
    {
        using var project = new TestModelProject();
        var experiment = Json((await RenderCustomResourcesAsync(project)).Single(r => r.Kind == ExperimentManifest.Kind)).AsObject();
        Assert.Empty(KatibWebhookRules.Check(experiment));

        experiment["spec"]!["trialTemplate"]!["trialParameters"]!.AsArray().RemoveAt(0);

        Assert.NotEmpty(KatibWebhookRules.Check(experiment));
    }

    internal static async Task<List<CustomResource>> RenderCustomResourcesAsync(TestModelProject project)
    {
        var model = project.Model();
        var context = await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken);
        var run = RunContext.ForRender(model, context);
        return [.. LifecycleStepNames.All.SelectMany(step => ManifestRenderer.Render(model, step, run).Resources.OfType<CustomResource>())];
    }

    private static JsonNode Json(CustomResource resource) => JsonNode.Parse(KubernetesJson.Serialize(resource))!;
}
