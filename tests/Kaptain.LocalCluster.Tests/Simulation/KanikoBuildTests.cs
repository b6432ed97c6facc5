using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Simulation;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Simulation;

/// <summary>The simulated Kaniko against a real s3rver and a real docker-registry (with and without basic auth).</summary>
public sealed class KanikoBuildTests(S3Server s3, ContainerRegistry registry, BasicAuthContainerRegistry authRegistry)
    : IClassFixture<S3Server>, IClassFixture<ContainerRegistry>, IClassFixture<BasicAuthContainerRegistry>
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Reads_the_context_from_s3_pushes_it_as_a_layer_and_prints_the_digest()
    {
        var token = TestContext.Current.CancellationToken;
        var context = BuildContexts.WithDockerfile();
        await UploadAsync("ok-bucket", "contexts/ok.tar.gz", context, token);
        var lines = new List<string>();

        var result = await Build("ok-bucket", "contexts/ok.tar.gz", $"{registry.Host}/dev/mnist:run1", dockerConfig: null).RunAsync(Print(lines), token);

        Assert.True(result.Succeeded, string.Join('\n', lines));
        Assert.EndsWith($"Pushed {registry.Host}/dev/mnist@{result.Digest}", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.StartsWith("digest:", StringComparison.Ordinal));
        var manifest = await GetManifestAsync(registry, "dev/mnist", "run1", token);
        Assert.Equal(result.Digest, manifest.Digest);
        var layer = manifest.Body["layers"]!.AsArray().Single()!;
        Assert.Equal(KanikoBuild.LayerMediaType, layer["mediaType"]!.GetValue<string>());
        Assert.Equal(context, await GetBlobAsync(registry, "dev/mnist", layer["digest"]!.GetValue<string>(), token));
        var config = JsonNode.Parse(await GetBlobAsync(registry, "dev/mnist", manifest.Body["config"]!["digest"]!.GetValue<string>(), token))!;
        Assert.Equal(["python", "train.py"], config["config"]!["Cmd"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Single(config["rootfs"]!["diff_ids"]!.AsArray());
    }

    [Fact]
    public async Task Pushes_to_a_registry_that_requires_basic_auth_with_the_mounted_docker_config()
    {
        var token = TestContext.Current.CancellationToken;
        await UploadAsync("auth-bucket", "ctx.tar.gz", BuildContexts.WithDockerfile(), token);
        var dockerConfig = DockerConfig(authRegistry.Host, authRegistry.Username!, authRegistry.Password!);
        var lines = new List<string>();

        var result = await Build("auth-bucket", "ctx.tar.gz", $"{authRegistry.Host}/dev/mnist:auth", dockerConfig).RunAsync(Print(lines), token);

        Assert.True(result.Succeeded, string.Join('\n', lines));
        Assert.DoesNotContain(lines, l => l.Contains(authRegistry.Password!, StringComparison.Ordinal));
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(authRegistry.Endpoint, "/v2/dev/mnist/manifests/auth"));
        request.Headers.Accept.ParseAdd(RegistryPusher.ManifestMediaType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authRegistry.Username}:{authRegistry.Password}")));
        using var response = await Http.SendAsync(request, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Fails_the_push_permission_check_without_credentials_and_pushes_nothing()
    {
        var token = TestContext.Current.CancellationToken;
        await UploadAsync("noauth-bucket", "ctx.tar.gz", BuildContexts.WithDockerfile(), token);
        var wrong = DockerConfig(authRegistry.Host, authRegistry.Username!, "not-the-password");
        var lines = new List<string>();

        var anonymous = await Build("noauth-bucket", "ctx.tar.gz", $"{authRegistry.Host}/dev/denied:x", dockerConfig: null).RunAsync(Print(lines), token);
        var wrongPassword = await Build("noauth-bucket", "ctx.tar.gz", $"{authRegistry.Host}/dev/denied:x", wrong).RunAsync(Print(lines), token);

        Assert.False(anonymous.Succeeded);
        Assert.StartsWith("Error: error checking push permissions", anonymous.Error, StringComparison.Ordinal);
        Assert.False(wrongPassword.Succeeded);
        Assert.StartsWith("Error: error checking push permissions", wrongPassword.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("not-the-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_context_object_fails_the_build_before_anything_is_pushed()
    {
        var token = TestContext.Current.CancellationToken;
        await s3.CreateBucketAsync("empty-bucket", token);
        var lines = new List<string>();

        var missingKey = await Build("empty-bucket", "absent.tar.gz", $"{registry.Host}/dev/missing:x", null).RunAsync(Print(lines), token);
        var missingBucket = await Build("never-created", "absent.tar.gz", $"{registry.Host}/dev/missing:x", null).RunAsync(Print(lines), token);

        Assert.False(missingKey.Succeeded);
        Assert.StartsWith("Error: error resolving source context", missingKey.Error, StringComparison.Ordinal);
        Assert.Contains(missingKey.Error, lines);
        Assert.False(missingBucket.Succeeded);
        Assert.StartsWith("Error: error resolving source context", missingBucket.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await ManifestStatusAsync(registry, "dev/missing", "x", token));
    }

    [Fact]
    public async Task A_context_refused_by_the_object_store_fails_the_build()
    {
        var token = TestContext.Current.CancellationToken;
        await using var strict = await S3Server.StartAsync(["only-this-key"], token);
        await strict.CreateBucketAsync("strict", token);
        await strict.PutObjectAsync("strict", "ctx.tar.gz", BuildContexts.WithDockerfile(), token);
        var invocation = Invocation(strict.Endpoint, "strict", "ctx.tar.gz", $"{registry.Host}/dev/refused:x", accessKey: "some-other-key");

        var result = await new KanikoBuild(invocation, null, TimeProvider.System).RunAsync(Print([]), token);

        Assert.False(result.Succeeded);
        Assert.StartsWith("Error: error resolving source context", result.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await ManifestStatusAsync(registry, "dev/refused", "x", token));
    }

    /// <summary>
    /// Kaniko addresses the bucket by path only with S3_FORCE_PATH_STYLE=true (kaniko pkg/buildcontext/s3.go); else
    /// aws-sdk-go-v2 asks for bucket.127.0.0.1, which resolves nowhere. A client that rendered the wrong style fails here.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    [InlineData("1")]
    public async Task Without_S3_FORCE_PATH_STYLE_true_a_local_endpoint_is_asked_by_host_name_and_fails(string? forcePathStyle)
    {
        var token = TestContext.Current.CancellationToken;
        await UploadAsync("vhost-bucket", "ctx.tar.gz", BuildContexts.WithDockerfile(), token);
        var environment = new Dictionary<string, string>
        {
            ["S3_ENDPOINT"] = s3.Endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = s3.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey,
            ["AWS_SESSION_TOKEN"] = "a-session-token",
        };
        if (forcePathStyle is not null)
        {
            environment["S3_FORCE_PATH_STYLE"] = forcePathStyle;
        }

        var invocation = KanikoInvocation.Parse(["--context=s3://vhost-bucket/ctx.tar.gz", $"--destination={registry.Host}/dev/vhost:x"], environment);
        var result = await new KanikoBuild(invocation, null, TimeProvider.System).RunAsync(Print([]), token);

        Assert.Equal("a-session-token", invocation.SessionToken);
        Assert.False(invocation.ForcePathStyle);
        Assert.False(result.Succeeded);
        Assert.Contains("lookup vhost-bucket.127.0.0.1: no such host", result.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await ManifestStatusAsync(registry, "dev/vhost", "x", token));

        environment["S3_FORCE_PATH_STYLE"] = "TRUE";
        Assert.True(KanikoInvocation.Parse(["--context=s3://vhost-bucket/ctx.tar.gz", $"--destination={registry.Host}/dev/vhost:x"], environment).ForcePathStyle);
    }

    [Fact]
    public async Task A_context_that_is_not_a_gzip_tar_or_lacks_the_Dockerfile_fails_the_build()
    {
        var token = TestContext.Current.CancellationToken;
        await UploadAsync("bad-bucket", "plain.tar.gz", Encoding.UTF8.GetBytes("not gzip at all"), token);
        await s3.PutObjectAsync("bad-bucket", "nodockerfile.tar.gz", BuildContexts.Create(("train.py", "print(1)")), token);

        var notGzip = await Build("bad-bucket", "plain.tar.gz", $"{registry.Host}/dev/bad:x", null).RunAsync(Print([]), token);
        var noDockerfile = await Build("bad-bucket", "nodockerfile.tar.gz", $"{registry.Host}/dev/bad:x", null).RunAsync(Print([]), token);

        Assert.StartsWith("Error: error resolving source context", notGzip.Error, StringComparison.Ordinal);
        Assert.StartsWith("Error: error resolving dockerfile path", noDockerfile.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await ManifestStatusAsync(registry, "dev/bad", "x", token));
    }

    [Fact]
    public void Parses_the_contract_arguments_and_environment()
    {
        var invocation = KanikoInvocation.Parse(
            ["--dockerfile=Dockerfile", "--context=s3://bucket/runs/abc/context.tar.gz", "--destination=127.0.0.1:5000/dev/mnist:abc", "--digest-file=/dev/termination-log", "--insecure", "--skip-tls-verify", "--registry-certificate=127.0.0.1:5000=/kaniko/ssl/certs/registry-ca.crt"],
            new Dictionary<string, string> { ["S3_ENDPOINT"] = "http://127.0.0.1:9000", ["S3_FORCE_PATH_STYLE"] = "true", ["AWS_REGION"] = "eu-west-1", ["AWS_ACCESS_KEY_ID"] = "id", ["AWS_SECRET_ACCESS_KEY"] = "secret-value" });

        Assert.Equal(("bucket", "runs/abc/context.tar.gz"), (invocation.Bucket, invocation.Key));
        Assert.Equal(new ImageReference("127.0.0.1:5000", "dev/mnist", "abc"), Assert.Single(invocation.Destinations));
        Assert.True(invocation.Insecure && invocation.SkipTlsVerify);
        Assert.Equal("/dev/termination-log", invocation.DigestFile);
        Assert.Equal(("http://127.0.0.1:9000", "eu-west-1"), (invocation.S3Endpoint, invocation.Region));
        Assert.DoesNotContain("secret-value", invocation.ToString(), StringComparison.Ordinal);
        Assert.True(KanikoInvocation.IsKaniko("gcr.io/kaniko-project/executor:v1.23.2", []));
        Assert.True(KanikoInvocation.IsKaniko("my/builder", ["--context=s3://b/k"]));
        Assert.False(KanikoInvocation.IsKaniko("python:3.11", ["train.py"]));
    }

    [Theory]
    [InlineData("--context=dir:///workspace", "--destination=r/x:y")]
    [InlineData("--context=s3://bucket-only", "--destination=r/x:y")]
    [InlineData("--context=s3://b/k.tar.gz")]
    public void Rejects_arguments_Kaniko_would_not_run_with(params string[] args) =>
        Assert.Throws<KanikoFailure>(() => KanikoInvocation.Parse(args, new Dictionary<string, string>()));

    [Fact]
    public async Task With_the_cache_a_RUN_layer_is_pushed_to_the_cache_repository_then_reused_when_only_the_code_changes()
    {
        var token = TestContext.Current.CancellationToken;
        const string Dockerfile = "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt /app/requirements.txt\nRUN pip install -r /app/requirements.txt\nCOPY . /app\nCMD [\"python\", \"train.py\"]\n";
        await UploadAsync("cache-bucket", "v1.tar.gz", BuildContexts.Create(("Dockerfile", Dockerfile), ("requirements.txt", "numpy\n"), ("train.py", "print(1)\n")), token);
        await UploadAsync("cache-bucket", "v2.tar.gz", BuildContexts.Create(("Dockerfile", Dockerfile), ("requirements.txt", "numpy\n"), ("train.py", "print(2)\n")), token);
        await UploadAsync("cache-bucket", "v3.tar.gz", BuildContexts.Create(("Dockerfile", Dockerfile), ("requirements.txt", "torch\n"), ("train.py", "print(2)\n")), token);
        var first = new List<string>();
        var second = new List<string>();
        var third = new List<string>();

        var one = await Build("cache-bucket", "v1.tar.gz", $"{registry.Host}/dev/cached:v1", null, "--cache=true", "--cache-ttl=24h").RunAsync(Print(first), token);
        var two = await Build("cache-bucket", "v2.tar.gz", $"{registry.Host}/dev/cached:v2", null, "--cache=true").RunAsync(Print(second), token);
        var three = await Build("cache-bucket", "v3.tar.gz", $"{registry.Host}/dev/cached:v3", null, "--cache=true").RunAsync(Print(third), token);

        Assert.True(one.Succeeded && two.Succeeded && three.Succeeded, string.Join('\n', first.Concat(second).Concat(third)));
        Assert.Contains(first, l => l.EndsWith("No cached layer found for cmd RUN pip install -r /app/requirements.txt", StringComparison.Ordinal));
        var pushed = Assert.Single(first, l => l.Contains("to cache now", StringComparison.Ordinal));
        var key = pushed.Split(':')[^1].Split(' ')[0];
        Assert.Equal(HttpStatusCode.OK, await ManifestStatusAsync(registry, "dev/cached/cache", key, token));
        Assert.Contains(second, l => l.EndsWith("Using caching version of cmd: RUN pip install -r /app/requirements.txt", StringComparison.Ordinal));
        Assert.DoesNotContain(second, l => l.Contains("to cache now", StringComparison.Ordinal));
        Assert.Contains(third, l => l.Contains("No cached layer found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_cache_flag_nothing_is_looked_up_or_pushed_to_a_cache_repository()
    {
        var token = TestContext.Current.CancellationToken;
        await UploadAsync("plain-bucket", "ctx.tar.gz", BuildContexts.Create(("Dockerfile", "FROM python:3.11-slim\nRUN echo hi\n"), ("train.py", "x\n")), token);
        var lines = new List<string>();

        var result = await Build("plain-bucket", "ctx.tar.gz", $"{registry.Host}/dev/plain:v1", null).RunAsync(Print(lines), token);

        Assert.True(result.Succeeded, string.Join('\n', lines));
        Assert.DoesNotContain(lines, l => l.Contains("cache", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.NotFound, await ManifestStatusAsync(registry, "dev/plain/cache", "latest", token));
    }

    [Theory]
    [InlineData("--cache-ttl=two-weeks")]
    [InlineData("--cache-ttl=5")]
    [InlineData("--cache=maybe")]
    public void Rejects_cache_flags_Kaniko_would_not_parse(string flag) =>
        Assert.StartsWith("Error: invalid argument", Assert.Throws<KanikoFailure>(() => KanikoInvocation.Parse(
            ["--context=s3://b/k.tar.gz", "--destination=r.example/x:y", flag], new Dictionary<string, string>())).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("--cache-ttl=336h", 336 * 60)]
    [InlineData("--cache-ttl=1h30m", 90)]
    [InlineData("--cache-ttl=90m", 90)]
    public void Reads_the_cache_ttl_as_a_Go_duration(string flag, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), KanikoInvocation.Parse(["--context=s3://b/k.tar.gz", "--destination=r.example/x:y", "--cache=true", flag], new Dictionary<string, string>()).CacheTtl);

    private KanikoBuild Build(string bucket, string key, string destination, string? dockerConfig, params string[] extra) =>
        new(Invocation(s3.Endpoint, bucket, key, destination, s3.AccessKey, extra), dockerConfig, TimeProvider.System);

    private KanikoInvocation Invocation(Uri endpoint, string bucket, string key, string destination, string accessKey, params string[] extra) => KanikoInvocation.Parse(
        ["--dockerfile=Dockerfile", $"--context=s3://{bucket}/{key}", $"--destination={destination}", "--digest-file=/dev/termination-log", .. extra],
        new Dictionary<string, string>
        {
            ["S3_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
            ["S3_FORCE_PATH_STYLE"] = "true",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = accessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey,
        });

    private async Task UploadAsync(string bucket, string key, byte[] content, CancellationToken token)
    {
        if (!await s3.BucketExistsAsync(bucket, token))
        {
            await s3.CreateBucketAsync(bucket, token);
        }

        await s3.PutObjectAsync(bucket, key, content, token);
    }

    private static string DockerConfig(string host, string user, string password) =>
        new JsonObject { ["auths"] = new JsonObject { [host] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) } } }.ToJsonString();

    private static Func<string, CancellationToken, Task> Print(List<string> lines) => (line, _) =>
    {
        lock (lines)
        {
            lines.Add(line);
        }

        return Task.CompletedTask;
    };

    private static async Task<(string Digest, JsonNode Body)> GetManifestAsync(ContainerRegistry target, string repository, string tag, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(target.Endpoint, $"/v2/{repository}/manifests/{tag}"));
        request.Headers.Accept.ParseAdd(RegistryPusher.ManifestMediaType);
        using var response = await Http.SendAsync(request, token);
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync(token);
        return (OciBlob.DigestOf(bytes), JsonNode.Parse(bytes)!);
    }

    private static async Task<byte[]> GetBlobAsync(ContainerRegistry target, string repository, string digest, CancellationToken token) =>
        await Http.GetByteArrayAsync(new Uri(target.Endpoint, $"/v2/{repository}/blobs/{digest}"), token);

    private static async Task<HttpStatusCode> ManifestStatusAsync(ContainerRegistry target, string repository, string tag, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(target.Endpoint, $"/v2/{repository}/manifests/{tag}"));
        request.Headers.Accept.ParseAdd(RegistryPusher.ManifestMediaType);
        using var response = await Http.SendAsync(request, token);
        return response.StatusCode;
    }
}
