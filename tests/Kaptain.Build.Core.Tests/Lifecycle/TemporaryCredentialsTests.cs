using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// Temporary credentials (a session token, as STS and SSO give them) reach the Secrets the pods read, and the user is
/// told that the copy expires (KAPT5055) and that KServe does not read the token (KAPT5056).
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class TemporaryCredentialsTests(LifecycleServers servers)
{
    private const string SessionToken = "FwoGZXIvYXdzEXAMPLE-session-token";

    [Fact]
    public async Task Kaniko_gets_the_session_token_from_its_Secret_and_the_build_warns_that_it_expires()
    {
        using var project = new LifecycleProject(servers, "temp-build");
        var token = TestContext.Current.CancellationToken;
        project.Properties[ModelProperties.ImageBuilder] = "kaniko";
        project.Environment["AWS_SESSION_TOKEN"] = SessionToken;
        JsonObject? secret = null;
        JsonObject? job = null;
        project.Log.When(line => line.StartsWith("Created Job ", StringComparison.Ordinal), line =>
        {
            var name = line["Created Job ".Length..].Trim();
            job = servers.Cluster.Store.TryGet(BuiltInResources.Job, project.Namespace, name);
            secret = servers.Cluster.Store.TryGet(BuiltInResources.Secret, project.Namespace, name + "-s3");
        });

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.True(result.Built);
        Assert.NotNull(secret);
        Assert.Equal(SessionToken, Encoding.UTF8.GetString(Convert.FromBase64String(secret!["data"]!["AWS_SESSION_TOKEN"]!.GetValue<string>())));
        var env = job!["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        var reference = env.Single(e => e!["name"]!.GetValue<string>() == "AWS_SESSION_TOKEN")!["valueFrom"]!["secretKeyRef"]!;
        Assert.Equal(secret["metadata"]!["name"]!.GetValue<string>(), reference["name"]!.GetValue<string>());
        var warning = Assert.Single(project.Log.Warnings, w => w.Code == "KAPT5055");
        Assert.Contains(secret["metadata"]!["name"]!.GetValue<string>(), warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionToken, project.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionToken, string.Join("\n", project.Log.Warnings.Select(w => w.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_lived_keys_give_no_warning_and_no_session_token_key()
    {
        using var project = new LifecycleProject(servers, "keys-build");
        var token = TestContext.Current.CancellationToken;
        project.Properties[ModelProperties.ImageBuilder] = "kaniko";
        JsonObject? secret = null;
        project.Log.When(line => line.StartsWith("Created Job ", StringComparison.Ordinal), line =>
            secret = servers.Cluster.Store.TryGet(BuiltInResources.Secret, project.Namespace, line["Created Job ".Length..].Trim() + "-s3"));

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.True(result.Built);
        Assert.NotNull(secret);
        Assert.Equal(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"], secret!["data"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(project.Log.Warnings, w => w.Code is "KAPT5055" or "KAPT5056");
    }

    [Fact]
    public async Task Publishing_with_a_session_token_warns_that_KServe_reads_only_the_keys()
    {
        using var project = new LifecycleProject(servers, "temp-publish");
        var token = TestContext.Current.CancellationToken;
        var modelUri = await project.PutServableModelAsync(token);
        project.Environment["AWS_SESSION_TOKEN"] = SessionToken;

        // s3rver checks no token, so the stand-in's storage initializer finds the model with the keys alone.
        var result = await KaptainLifecycle.PublishAsync(project.Options(), token);

        Assert.Equal(project.Name, result.InferenceServiceName);
        Assert.Single(project.Log.Warnings, w => w.Code == "KAPT5055");
        var kserve = Assert.Single(project.Log.Warnings, w => w.Code == "KAPT5056");
        Assert.Contains(modelUri, kserve.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionToken, kserve.Message, StringComparison.Ordinal);
    }
}
