using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Kaptain.Build.Context;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests.Manifests;

/// <summary>
/// The training job's (and each trial's) S3 access as rendered: a Secret with the build's credentials, the environment
/// boto3, the AWS CLI and KServe's storage code read, and the URI where the trained model goes.
/// </summary>
public sealed class TrainingS3AccessTests
{
    private static readonly SecretValues Credentials = new()
    {
        S3AccessKeyId = "AKIDEXAMPLE",
        S3SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        S3SessionToken = "session-token-example",
    };

    [Theory]
    [InlineData("pytorch", "PyTorchJob", "pytorchReplicaSpecs", "Master")]
    [InlineData("tensorflow", "TFJob", "tfReplicaSpecs", "Worker")]
    public async Task The_train_step_renders_an_S3_Secret_then_the_job_whose_replicas_read_it(string framework, string kind, string specs, string replica)
    {
        using var project = new TestModelProject(framework);
        project.Properties[ModelProperties.S3Region] = "eu-west-1";
        var model = project.Model();
        var run = await RunAsync(model) with { Secrets = Credentials };

        var manifests = ManifestRenderer.Render(model, LifecycleStep.Train, run);

        var secret = Assert.IsType<V1Secret>(manifests.Resources[0]);
        Assert.Equal(kind, Assert.IsType<CustomResource>(manifests.Resources[1]).Kind);
        Assert.Equal(2, manifests.Resources.Count);
        Assert.Equal($"mnist-train-{run.RunId}-s3", secret.Metadata.Name);
        Assert.Equal("train", secret.Metadata.Labels["kaptain.build/step"]);
        Assert.Equal(run.RunId, secret.Metadata.Labels["kaptain.build/run"]);
        Assert.Equal("AKIDEXAMPLE", Encoding.UTF8.GetString(secret.Data["AWS_ACCESS_KEY_ID"]));
        Assert.Equal(Credentials.S3SecretAccessKey, Encoding.UTF8.GetString(secret.Data["AWS_SECRET_ACCESS_KEY"]));
        Assert.Equal("session-token-example", Encoding.UTF8.GetString(secret.Data["AWS_SESSION_TOKEN"]));

        var env = Environment(manifests.Custom(kind).Spec[specs]![replica]!);
        Assert.Equal((secret.Metadata.Name, "AWS_ACCESS_KEY_ID", false), SecretRef(env, "AWS_ACCESS_KEY_ID"));
        Assert.Equal((secret.Metadata.Name, "AWS_SECRET_ACCESS_KEY", false), SecretRef(env, "AWS_SECRET_ACCESS_KEY"));
        Assert.Equal((secret.Metadata.Name, "AWS_SESSION_TOKEN", true), SecretRef(env, "AWS_SESSION_TOKEN"));
        Assert.Equal("http://127.0.0.1:9000", Literal(env, "AWS_ENDPOINT_URL"));
        Assert.Equal("127.0.0.1:9000", Literal(env, "S3_ENDPOINT"));
        Assert.Equal("0", Literal(env, "S3_USE_HTTPS"));
        Assert.Equal("eu-west-1", Literal(env, "AWS_REGION"));
        Assert.Equal("eu-west-1", Literal(env, "AWS_DEFAULT_REGION"));
        Assert.Equal("false", Literal(env, "S3_USER_VIRTUAL_BUCKET"));
        Assert.Equal(model.Publish.ModelUri, Literal(env, "KAPTAIN_MODEL_URI"));
        Assert.Equal("mnist", Literal(env, "KAPTAIN_MODEL_NAME"));
    }

    [Fact]
    public async Task Virtual_hosted_addressing_and_https_reach_the_environment()
    {
        using var project = new TestModelProject();
        project.Properties[ModelProperties.S3Endpoint] = "https://s3.eu-west-1.amazonaws.com";
        project.Properties[ModelProperties.S3PathStyle] = "false";
        var model = project.Model();
        var run = await RunAsync(model);

        var env = Environment(ManifestRenderer.Render(model, LifecycleStep.Train, run).Custom("PyTorchJob").Spec["pytorchReplicaSpecs"]!["Master"]!);

        Assert.Equal("true", Literal(env, "S3_USER_VIRTUAL_BUCKET"));
        Assert.Equal("1", Literal(env, "S3_USE_HTTPS"));
        Assert.Equal("s3.eu-west-1.amazonaws.com", Literal(env, "S3_ENDPOINT"));
        Assert.Equal("https://s3.eu-west-1.amazonaws.com", Literal(env, "AWS_ENDPOINT_URL"));
    }

    [Fact]
    public async Task Rendered_without_credentials_the_Secret_holds_placeholders_and_no_token()
    {
        using var project = new TestModelProject();
        var model = project.Model();
        var run = await RunAsync(model);

        var secret = ManifestRenderer.Render(model, LifecycleStep.Train, run).Single<V1Secret>();
        var yaml = ManifestRenderer.RenderYaml(model, LifecycleStep.Train, run with { Secrets = Credentials });

        Assert.Equal(SecretValues.Redacted, Encoding.UTF8.GetString(secret.Data["AWS_ACCESS_KEY_ID"]));
        Assert.False(secret.Data.ContainsKey("AWS_SESSION_TOKEN"));
        Assert.Contains("kind: Secret", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain(Credentials.S3SecretAccessKey!, yaml, StringComparison.Ordinal);
        Assert.DoesNotContain(Credentials.S3SessionToken!, yaml, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials.S3SecretAccessKey!)), yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_trial_writes_its_model_under_its_own_folder_named_by_Katib()
    {
        using var project = new TestModelProject();
        var model = project.Model();
        var run = await RunAsync(model) with { Secrets = Credentials };

        var manifests = ManifestRenderer.Render(model, LifecycleStep.Tune, run);

        var secret = Assert.IsType<V1Secret>(manifests.Resources[0]);
        Assert.Equal($"mnist-tune-{run.RunId}-s3", secret.Metadata.Name);
        var template = manifests.Custom(ExperimentManifest.Kind).Spec["trialTemplate"]!;
        var env = Environment(template["trialSpec"]!["spec"]!["pytorchReplicaSpecs"]!["Master"]!);
        Assert.Equal($"{model.Publish.ModelUri}/trials/${{trialParameters.kaptainTrialName}}", Literal(env, "KAPTAIN_MODEL_URI"));
        Assert.Equal((secret.Metadata.Name, "AWS_ACCESS_KEY_ID", false), SecretRef(env, "AWS_ACCESS_KEY_ID"));
        var trialName = Assert.Single(template["trialParameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == ExperimentManifest.TrialNameParameter);
        Assert.Equal("${trialSpec.Name}", trialName!["reference"]!.GetValue<string>());
    }

    private static async Task<RunContext> RunAsync(ModelDefinition model)
    {
        var context = await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken);
        return RunContext.ForRender(model, context);
    }

    private static JsonArray Environment(JsonNode replica) => replica["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();

    private static JsonObject Variable(JsonArray env, string name) =>
        Assert.Single(env, e => e!["name"]!.GetValue<string>() == name)!.AsObject();

    private static string Literal(JsonArray env, string name) => Variable(env, name)["value"]!.GetValue<string>();

    private static (string Secret, string Key, bool Optional) SecretRef(JsonArray env, string name)
    {
        var reference = Variable(env, name)["valueFrom"]!["secretKeyRef"]!;
        return (reference["name"]!.GetValue<string>(), reference["key"]!.GetValue<string>(), reference["optional"]?.GetValue<bool>() ?? false);
    }
}
