using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.LocalCluster.Tests.Simulation;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

/// <summary>A Kaniko build Job as Contract 3 renders it, run by the simulated kubelet against a real s3rver and docker-registry.</summary>
public sealed class KanikoJobTests(SimulatedCluster cluster, S3Server s3, ContainerRegistry registry)
    : IClassFixture<SimulatedCluster>, IClassFixture<S3Server>, IClassFixture<ContainerRegistry>
{
    [Fact]
    public async Task Builds_from_the_s3_context_pushes_the_image_and_reports_the_digest()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("kaniko-ok", token);
        await s3.CreateBucketAsync("kaniko-ok", token);
        await s3.PutObjectAsync("kaniko-ok", "runs/abc/context.tar.gz", BuildContexts.WithDockerfile(), token);
        await CreateSecretsAsync(ns, token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, KanikoJob("build", "s3://kaniko-ok/runs/abc/context.tar.gz", $"{registry.Host}/dev/mnist:abc").ToJsonString(), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "build", j => SimulatedCluster.HasCondition(j, "Complete"), token);

        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=build"));
        var log = (await cluster.LogAsync(ns, pod["metadata"]!["name"]!.GetValue<string>(), token)).TrimEnd('\n').Split('\n');
        // Kaniko prints "Pushed repo@sha256:..." and writes the bare digest to --digest-file, the termination message.
        Assert.DoesNotContain(log, line => line.StartsWith("digest:", StringComparison.Ordinal));
        var digest = pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["message"]!.GetValue<string>();
        Assert.Matches("^sha256:[0-9a-f]{64}$", digest);
        Assert.Contains(log, line => line.EndsWith($"Pushed {registry.Host}/dev/mnist@{digest}", StringComparison.Ordinal));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(registry.Endpoint, "/v2/dev/mnist/manifests/abc"));
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await http.SendAsync(request, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task A_missing_context_fails_the_build_job_with_Kanikos_error_line()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("kaniko-missing", token);
        await s3.CreateBucketAsync("kaniko-missing", token);
        await CreateSecretsAsync(ns, token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, KanikoJob("build", "s3://kaniko-missing/nothing.tar.gz", $"{registry.Host}/dev/missing:abc").ToJsonString(), token);

        var job = await cluster.WaitForAsync("batch/v1", "jobs", ns, "build", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        Assert.Equal("BackoffLimitExceeded", SimulatedCluster.ConditionReason(job, "Failed"));
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=build"));
        Assert.Equal(1, pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
        var log = await cluster.LogAsync(ns, pod["metadata"]!["name"]!.GetValue<string>(), token);
        Assert.Contains("Error: error resolving source context", log, StringComparison.Ordinal);

        // Kaniko writes no digest file when it fails: with FallbackToLogsOnError (as the build Job has it) the kubelet
        // reports the log's tail, Kaniko's error line last.
        var message = pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["message"]!.GetValue<string>();
        Assert.Equal(log, message);
        Assert.StartsWith("Error: error resolving source context", message.TrimEnd('\n').Split('\n')[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_build_without_the_fallback_has_no_termination_message()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("kaniko-file", token);
        await s3.CreateBucketAsync("kaniko-file", token);
        await CreateSecretsAsync(ns, token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, KanikoJob("build", "s3://kaniko-file/nothing.tar.gz", $"{registry.Host}/dev/file:abc", policy: null).ToJsonString(), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "build", j => SimulatedCluster.HasCondition(j, "Failed"), token);

        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=build"));
        var terminated = pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!;
        Assert.Equal(1, terminated["exitCode"]!.GetValue<int>());
        Assert.Null(terminated["message"]);
    }

    [Fact]
    public async Task A_missing_credentials_secret_keeps_the_pod_from_starting()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("kaniko-nosecret", token);
        await cluster.CreateAsync("batch/v1", "jobs", ns, KanikoJob("build", "s3://any/context.tar.gz", $"{registry.Host}/dev/x:y").ToJsonString(), token);

        await cluster.WaitForAsync("batch/v1", "jobs", ns, "build", j => j["status"]?["active"]?.GetValue<int>() == 1, token);
        var podName = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "job-name=build"))["metadata"]!["name"]!.GetValue<string>();
        var pod = await cluster.WaitForAsync("v1", "pods", ns, podName, p => p["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() == "CreateContainerConfigError", token);

        Assert.Equal("Pending", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Contains(await cluster.EventsAsync(ns, podName, token), e => e.Reason == "Failed" && e.Type == "Warning");
    }

    private async Task CreateSecretsAsync(string ns, CancellationToken token)
    {
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "s3-credentials" },
                StringData = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = s3.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey },
            },
            ns,
            cancellationToken: token);
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "docker-config" },
                Type = "kubernetes.io/dockerconfigjson",
                Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes(new JsonObject { ["auths"] = new JsonObject { [registry.Host] = new JsonObject() } }.ToJsonString()) },
            },
            ns,
            cancellationToken: token);
    }

    private JsonObject KanikoJob(string name, string context, string destination, string? policy = "FallbackToLogsOnError")
    {
        JsonObject SecretEnv(string key) => new()
        {
            ["name"] = key,
            ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "s3-credentials", ["key"] = key } },
        };

        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["backoffLimit"] = 0,
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["sidecar.istio.io/inject"] = "false" } },
                    ["spec"] = new JsonObject
                    {
                        ["restartPolicy"] = "Never",
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "kaniko",
                            ["image"] = "gcr.io/kaniko-project/executor:v1.23.2",
                            ["args"] = new JsonArray("--dockerfile=Dockerfile", $"--context={context}", $"--destination={destination}", "--digest-file=/dev/termination-log", "--insecure", "--skip-tls-verify"),
                            ["env"] = new JsonArray(
                                new JsonObject { ["name"] = "S3_ENDPOINT", ["value"] = s3.Endpoint.ToString().TrimEnd('/') },
                                new JsonObject { ["name"] = "S3_FORCE_PATH_STYLE", ["value"] = "true" },
                                new JsonObject { ["name"] = "AWS_REGION", ["value"] = "us-east-1" },
                                SecretEnv("AWS_ACCESS_KEY_ID"),
                                SecretEnv("AWS_SECRET_ACCESS_KEY")),
                            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "docker-config", ["mountPath"] = "/kaniko/.docker" }),
                            ["terminationMessagePolicy"] = policy,
                        }),
                        ["volumes"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "docker-config",
                            ["secret"] = new JsonObject
                            {
                                ["secretName"] = "docker-config",
                                ["items"] = new JsonArray(new JsonObject { ["key"] = ".dockerconfigjson", ["path"] = "config.json" }),
                            },
                        }),
                    },
                },
            },
        };
    }
}
