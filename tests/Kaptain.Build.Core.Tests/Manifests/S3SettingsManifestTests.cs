using System.Text;
using k8s.Models;
using Kaptain.Build.Context;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Core.Tests.Manifests;

/// <summary>
/// The S3 settings every S3 client of a run gets: Kaniko's variables (kaniko pkg/buildcontext/s3.go) and KServe's
/// annotations (kserve pkg/credentials/s3/utils.go) say the same endpoint and addressing as the upload, and the
/// session token of temporary credentials reaches the Secrets.
/// </summary>
public sealed class S3SettingsManifestTests
{
    [Theory]
    [InlineData("https://s3.amazonaws.com", "eu-west-1", null, "https://s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "false", "true")]
    [InlineData("https://s3.amazonaws.com", "us-east-1", null, "https://s3.amazonaws.com", "s3.amazonaws.com", "false", "true")]
    [InlineData("https://s3.us-west-2.amazonaws.com", "us-west-2", "true", "https://s3.us-west-2.amazonaws.com", "s3.us-west-2.amazonaws.com", "true", "false")]
    [InlineData("http://minio.kubeflow:9000", "us-east-1", null, "http://minio.kubeflow:9000", "minio.kubeflow:9000", "true", "false")]
    [InlineData("https://storage.example.com", "eu-central-1", "false", "https://storage.example.com", "storage.example.com", "false", "true")]
    public async Task Kaniko_and_KServe_get_the_endpoint_and_addressing_of_the_upload(
        string endpoint, string region, string? pathStyle, string kanikoEndpoint, string kserveEndpoint, string forcePathStyle, string virtualBucket)
    {
        using var project = new TestModelProject();
        project.Properties[P.S3Endpoint] = endpoint;
        project.Properties[P.S3Region] = region;
        if (pathStyle is not null)
        {
            project.Properties[P.S3PathStyle] = pathStyle;
        }

        var (model, run) = await ModelAndRunAsync(project);
        var kaniko = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run).Single<V1Job>().Spec.Template.Spec.Containers.Single();
        var publishSecret = ManifestRenderer.Render(model, LifecycleStep.Publish, run).Single<V1Secret>();

        Assert.Equal(kanikoEndpoint, kaniko.Env.Single(e => e.Name == "S3_ENDPOINT").Value);
        Assert.Equal(forcePathStyle, kaniko.Env.Single(e => e.Name == "S3_FORCE_PATH_STYLE").Value);
        Assert.Equal(region, kaniko.Env.Single(e => e.Name == "AWS_REGION").Value);
        Assert.Equal(kserveEndpoint, publishSecret.Metadata.Annotations["serving.kserve.io/s3-endpoint"]);
        Assert.Equal(virtualBucket, publishSecret.Metadata.Annotations["serving.kserve.io/s3-usevirtualbucket"]);
        Assert.Equal(region, publishSecret.Metadata.Annotations["serving.kserve.io/s3-region"]);
        Assert.Equal(endpoint.StartsWith("https", StringComparison.Ordinal) ? "1" : "0", publishSecret.Metadata.Annotations["serving.kserve.io/s3-usehttps"]);
    }

    [Fact]
    public async Task The_session_token_is_in_the_Secrets_and_Kanikos_environment()
    {
        using var project = new TestModelProject();
        var (model, render) = await ModelAndRunAsync(project);
        var run = render with
        {
            Secrets = new SecretValues { S3AccessKeyId = "ASIATEMPORARY", S3SecretAccessKey = "temporary-secret", S3SessionToken = "the-session-token", DockerConfigJson = "{\"auths\":{}}" },
        };

        var build = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run);
        var s3 = build.Resources.OfType<V1Secret>().Single(s => s.Metadata.Name.EndsWith("-s3", StringComparison.Ordinal));
        Assert.Equal("the-session-token", Encoding.UTF8.GetString(s3.Data["AWS_SESSION_TOKEN"]));
        Assert.Equal("ASIATEMPORARY", Encoding.UTF8.GetString(s3.Data["AWS_ACCESS_KEY_ID"]));
        var tokenVariable = build.Single<V1Job>().Spec.Template.Spec.Containers.Single().Env.Single(e => e.Name == "AWS_SESSION_TOKEN");
        Assert.Equal((s3.Metadata.Name, "AWS_SESSION_TOKEN", true), (tokenVariable.ValueFrom.SecretKeyRef.Name, tokenVariable.ValueFrom.SecretKeyRef.Key, tokenVariable.ValueFrom.SecretKeyRef.Optional));

        var publish = ManifestRenderer.Render(model, LifecycleStep.Publish, run).Single<V1Secret>();
        Assert.Equal("the-session-token", Encoding.UTF8.GetString(publish.Data["AWS_SESSION_TOKEN"]));

        // Written to disk, every value is the placeholder.
        var yaml = ManifestYamlWriter.Write(build.Resources);
        Assert.DoesNotContain(Convert.ToBase64String("the-session-token"u8.ToArray()), yaml, StringComparison.Ordinal);
        Assert.Contains("AWS_SESSION_TOKEN", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_lived_keys_make_a_Secret_without_a_session_token_key_and_the_reference_stays_optional()
    {
        using var project = new TestModelProject();
        var (model, render) = await ModelAndRunAsync(project);
        var run = render with { Secrets = new SecretValues { S3AccessKeyId = "AKIALONGLIVED", S3SecretAccessKey = "long-lived-secret", DockerConfigJson = "{\"auths\":{}}" } };

        var build = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run);
        var s3 = build.Resources.OfType<V1Secret>().Single(s => s.Metadata.Name.EndsWith("-s3", StringComparison.Ordinal));
        Assert.Equal(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"], s3.Data.Keys.Order(StringComparer.Ordinal));
        var env = build.Single<V1Job>().Spec.Template.Spec.Containers.Single().Env;
        Assert.True(env.Single(e => e.Name == "AWS_SESSION_TOKEN").ValueFrom.SecretKeyRef.Optional);
        Assert.Null(env.Single(e => e.Name == "AWS_SECRET_ACCESS_KEY").ValueFrom.SecretKeyRef.Optional);
    }

    private static async Task<(ModelDefinition Model, RunContext Run)> ModelAndRunAsync(TestModelProject project)
    {
        var model = project.Model();
        var context = await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken);
        return (model, RunContext.ForRender(model, context));
    }
}
