using Kaptain.Build.Context;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// The build image step against the local cluster's Kaniko (a real build: it reads the context from s3rver and pushes
/// to docker-registry with the credentials of the Secrets the step creates).
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class BuildImageStepTests(LifecycleServers servers)
{
    private static readonly HttpClient Http = new();

    // The run id of the tests that look at the context object: its key is the run's own.
    private const string RunId = "c0ffee0001";

    /// <summary>The context object Kaniko reads: the base image's with the default (append) builder.</summary>
    private async Task<(string Bucket, string Key)> ContextObjectAsync(LifecycleProject project, string? runId = null)
    {
        var model = project.Model();
        var context = model.Builder.Mode == ImageBuilderMode.Kaniko
            ? await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken)
            : await BuildContextBuilder.CreateBaseAsync(model, TestContext.Current.CancellationToken);
        return (model.Storage.Bucket, RunContext.ContextObjectKeyFor(model, context, runId ?? RunId));
    }

    [Fact]
    public async Task A_code_only_change_is_appended_to_the_base_image_with_no_cluster_write()
    {
        using var project = new LifecycleProject(servers, "build-append");
        var token = TestContext.Current.CancellationToken;

        var first = await KaptainLifecycle.BuildImageAsync(project.Options(), token);
        project.Write("train.py", "import argparse\nprint('accuracy=0.95')\n");
        // The client's writes, counted by the API server (the operators' own are not: the first build's Job is still
        // being garbage-collected and its Events sent in the background, which moves the store's resourceVersion).
        var writesBefore = servers.Cluster.Context.MutatingRequests;
        var second = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        // The first build made the base (base image + requirements) with Kaniko once, then appended.
        Assert.True(first.Built);
        Assert.NotNull(first.JobName);
        var baseContext = await BuildContextBuilder.CreateBaseAsync(project.Model(), token);
        var (baseManifest, baseConfig) = await ImageAsync(baseContext.Image.Path, baseContext.Image.Tag!, token);

        // The code change: no Job, no Secret, nothing written to the cluster; a new image of the base's layers plus one.
        Assert.True(second.Built);
        Assert.Null(second.JobName);
        Assert.Empty(second.Created);
        Assert.Equal(writesBefore, servers.Cluster.Context.MutatingRequests);
        Assert.NotEqual(first.Image.Digest, second.Image.Digest);
        var (manifest, config) = await ImageAsync(second.Image.Path, second.Image.Tag!, token);
        var baseLayers = baseManifest["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()).ToList();
        var layers = manifest["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()).ToList();
        Assert.Equal(baseLayers.Count + 1, layers.Count);
        Assert.Equal(baseLayers, layers[..^1]);
        Assert.Equal(baseConfig["history"]!.AsArray().Count + 1, config["history"]!.AsArray().Count);
        Assert.StartsWith("COPY . /app/", config["history"]!.AsArray()[^1]!["created_by"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(layers.Count, config["rootfs"]!["diff_ids"]!.AsArray().Count);

        // What the generated Dockerfile gives: its work directory, environment and entrypoint, and the checksum label.
        Assert.Equal("/app", config["config"]!["WorkingDir"]!.GetValue<string>());
        Assert.Contains("PYTHONUNBUFFERED=1", config["config"]!["Env"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(["python", "-u", "train.py"], config["config"]!["Entrypoint"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(second.ContextChecksum, config["config"]!["Labels"]!["checksum"]!.GetValue<string>());

        // The layer holds the changed file under the work directory.
        var layer = await BlobAsync(second.Image.Path, layers[^1], token);
        using var tar = new System.Formats.Tar.TarReader(new System.IO.Compression.GZipStream(new MemoryStream(layer), System.IO.Compression.CompressionMode.Decompress));
        var files = new Dictionary<string, string>();
        while (await tar.GetNextEntryAsync(cancellationToken: token) is { } entry)
        {
            if (entry.DataStream is { } data)
            {
                files[entry.Name] = await new StreamReader(data).ReadToEndAsync(token);
            }
        }

        Assert.Equal("import argparse\nprint('accuracy=0.95')\n", files["app/train.py"]);
        Assert.Contains("app/requirements.txt", files.Keys);
        Assert.Contains("app/Dockerfile", files.Keys);
    }

    [Fact]
    public async Task With_the_kaniko_builder_the_whole_image_is_built_on_the_cluster()
    {
        using var project = new LifecycleProject(servers, "build-kaniko");
        project.Properties[ModelProperties.ImageBuilder] = "kaniko";
        var token = TestContext.Current.CancellationToken;

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.True(result.Built);
        Assert.NotNull(result.JobName);
        var baseContext = await BuildContextBuilder.CreateBaseAsync(project.Model(), token);
        Assert.Null(await ManifestOrNullAsync(baseContext.Image.Path, baseContext.Image.Tag!, token));
        var (manifest, _) = await ImageAsync(result.Image.Path, result.Image.Tag!, token);
        Assert.Single(manifest["layers"]!.AsArray());
    }

    private async Task<(System.Text.Json.Nodes.JsonNode Manifest, System.Text.Json.Nodes.JsonNode Config)> ImageAsync(string repository, string tag, CancellationToken token)
    {
        var manifest = await ManifestOrNullAsync(repository, tag, token) ?? throw new InvalidOperationException($"{repository}:{tag} is not in the registry");
        var config = System.Text.Json.Nodes.JsonNode.Parse(await BlobAsync(repository, manifest["config"]!["digest"]!.GetValue<string>(), token))!;
        return (manifest, config);
    }

    private async Task<System.Text.Json.Nodes.JsonNode?> ManifestOrNullAsync(string repository, string tag, CancellationToken token)
    {
        using var request = Authorized(HttpMethod.Get, $"/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await Http.SendAsync(request, token);
        return response.StatusCode == System.Net.HttpStatusCode.NotFound
            ? null
            : System.Text.Json.Nodes.JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(token));
    }

    private async Task<byte[]> BlobAsync(string repository, string digest, CancellationToken token)
    {
        using var request = Authorized(HttpMethod.Get, $"/v2/{repository}/blobs/{digest}");
        using var response = await Http.SendAsync(request, token);
        return await response.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync(token);
    }

    private HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(servers.Registry.Endpoint, path));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{servers.Registry.Username}:{servers.Registry.Password}")));
        return request;
    }

    [Fact]
    public async Task Building_pushes_the_image_and_leaves_nothing_behind()
    {
        using var project = new LifecycleProject(servers, "build-ok");
        // The Kaniko path (the append builder has tests of its own).
        project.Properties[ModelProperties.ImageBuilder] = "kaniko";
        var token = TestContext.Current.CancellationToken;
        var (bucket, key) = await ContextObjectAsync(project, RunId);

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), token);

        Assert.True(result.Built);
        Assert.NotNull(result.Image.Digest);
        Assert.Equal($"sha-{result.ContextChecksum[..16]}", result.Image.Tag);
        Assert.Empty(project.Resources());
        Assert.True(await servers.S3.BucketExistsAsync(bucket, token));
        Assert.False(await servers.S3.ObjectExistsAsync(bucket, key, token));
        Assert.Contains($"s3://{bucket}/{key}", result.Created);
        Assert.Contains($"s3://{bucket}/{key}", result.Removed);
        Assert.Contains(result.Created, r => r.StartsWith("Job ", StringComparison.Ordinal));
        Assert.Equal(3, result.Created.Count(r => r.StartsWith("Secret ", StringComparison.Ordinal) || r.StartsWith("Job ", StringComparison.Ordinal)));
        Assert.Contains(project.Log.Lines, line => line.StartsWith($"[{result.JobName}-", StringComparison.Ordinal) && line.EndsWith($"Pushed {result.Image.Repository}@{result.Image.Digest}", StringComparison.Ordinal));

        // Nothing the user can read holds a credential.
        var report = await File.ReadAllTextAsync(result.ReportPath, token);
        foreach (var secret in new[] { servers.S3.SecretKey, servers.Registry.Password! })
        {
            Assert.DoesNotContain(secret, report, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, project.Log.Text, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFiles(project.Intermediate, "journal-*"));
        Assert.Empty(Directory.GetFiles(project.Intermediate, "objects-*"));
    }

    [Fact]
    public async Task The_digest_is_the_one_Kaniko_reported_even_when_the_tag_has_moved_since()
    {
        using var project = new LifecycleProject(servers, "build-digest");
        // The Kaniko path (the append builder has tests of its own).
        project.Properties[ModelProperties.ImageBuilder] = "kaniko";
        var token = TestContext.Current.CancellationToken;
        var context = await BuildContextBuilder.CreateAsync(project.Model(), token);
        string? moved = null;

        // Someone else pushes the same tag right after Kaniko did: the registry's answer for the tag is no longer
        // what this build pushed, but Kaniko's termination message still is.
        project.Log.When(
            line => line.Contains($"Pushed {context.Image.Repository}@sha256:", StringComparison.Ordinal),
            _ => moved = servers.Registry.PushImageAsync(context.Image.Path, context.Image.Tag!, token).GetAwaiter().GetResult());

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.NotNull(moved);
        var pushed = project.Log.Lines.Single(line => line.Contains($"Pushed {context.Image.Repository}@", StringComparison.Ordinal));
        Assert.EndsWith(result.Image.Digest!, pushed, StringComparison.Ordinal);
        Assert.NotEqual(moved, result.Image.Digest);
        Assert.DoesNotContain(project.Log.Lines, line => line.Contains("digest: sha256:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registry_only_the_cluster_reaches_is_unknown_so_the_image_is_built_with_a_warning()
    {
        using var project = new LifecycleProject(servers, "build-clusteronly");
        var token = TestContext.Current.CancellationToken;
        await using var proxy = new ClusterOnlyRegistryProxy(servers.Registry);
        project.Properties[ModelProperties.Registry] = proxy.Host;
        var dockerConfig = Path.Combine(project.Directory, "docker");
        Directory.CreateDirectory(dockerConfig);
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{servers.Registry.Username}:{servers.Registry.Password}"));
        var config = new { auths = new Dictionary<string, object> { [proxy.Host] = new { auth } } };
        await File.WriteAllTextAsync(Path.Combine(dockerConfig, "config.json"), System.Text.Json.JsonSerializer.Serialize(config), token);
        project.Environment["DOCKER_CONFIG"] = dockerConfig;

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.True(result.Built);
        Assert.Contains(project.Log.Warnings, w => w.Code == "KAPT5030");
        Assert.True(proxy.RefusedConnections > 0);
        Assert.Equal(await servers.Registry.GetDigestAsync(result.Image.Path, result.Image.Tag!, token), result.Image.Digest);
        Assert.Empty(project.Resources());
    }

    [Fact]
    public async Task An_explicit_tag_is_built_again_when_the_content_changes_and_not_when_it_does_not()
    {
        using var project = new LifecycleProject(servers, "build-explicit");
        var token = TestContext.Current.CancellationToken;
        project.Properties[ModelProperties.ImageName] = $"{servers.Registry.Host}/tests/{project.Name}:v1";

        var first = await KaptainLifecycle.BuildImageAsync(project.Options(), token);
        var again = await KaptainLifecycle.BuildImageAsync(project.Options(), token);
        project.Write("train.py", "import argparse\nprint('accuracy=0.95')\n");
        var changed = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.True(first.Built);
        Assert.Equal("v1", first.Image.Tag);
        Assert.False(again.Built);
        Assert.Equal(first.Image.Digest, again.Image.Digest);
        Assert.True(changed.Built);
        Assert.NotEqual(first.ContextChecksum, changed.ContextChecksum);
        Assert.NotEqual(first.Image.Digest, changed.Image.Digest);
        Assert.Contains(project.Log.Lines, line => line.Contains("holds other content", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_concurrent_builds_of_the_same_content_each_read_their_own_context()
    {
        using var project = new LifecycleProject(servers, "build-twice");
        var token = TestContext.Current.CancellationToken;
        var (bucket, _) = await ContextObjectAsync(project);
        var first = new RecordingLog();
        var second = new RecordingLog();
        var secondUploaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The worst order: the second build has uploaded its context (the same content) and waits; the first builds,
        // and removes its context, before the second's Kaniko reads the second's.
        second.When(line => line.StartsWith("Uploaded build context:", StringComparison.Ordinal), _ =>
        {
            secondUploaded.TrySetResult();
            Assert.True(firstDone.Task.Wait(TimeSpan.FromSeconds(120), token), "The first build did not finish.");
        });
        var secondBuild = Task.Run(() => KaptainLifecycle.BuildImageAsync(project.Options(log: second), CancellationToken.None), token);
        await secondUploaded.Task.WaitAsync(TimeSpan.FromSeconds(120), token);
        BuildImageResult firstResult;
        try
        {
            firstResult = await KaptainLifecycle.BuildImageAsync(project.Options(log: first), token);
        }
        finally
        {
            firstDone.TrySetResult();
        }

        var secondResult = await secondBuild.WaitAsync(TimeSpan.FromSeconds(180), token);

        Assert.True(firstResult.Built);
        Assert.True(secondResult.Built, second.Text);
        Assert.Equal(firstResult.ContextChecksum, secondResult.ContextChecksum);
        var firstObject = Assert.Single(firstResult.Created, r => r.StartsWith("s3://", StringComparison.Ordinal));
        var secondObject = Assert.Single(secondResult.Created, r => r.StartsWith("s3://", StringComparison.Ordinal));
        Assert.NotEqual(firstObject, secondObject);
        Assert.Contains(firstObject, firstResult.Removed);
        Assert.Contains(secondObject, secondResult.Removed);
        foreach (var removed in new[] { firstObject, secondObject })
        {
            Assert.False(await servers.S3.ObjectExistsAsync(bucket, removed[$"s3://{bucket}/".Length..], token), removed);
        }

        Assert.Empty(project.Resources());
        Assert.Empty(Directory.GetFiles(project.Intermediate, "journal-*"));
        Assert.Empty(Directory.GetFiles(project.Intermediate, "objects-*"));
    }

    [Fact]
    public async Task An_image_the_registry_has_is_not_built_and_the_cluster_is_not_written()
    {
        using var project = new LifecycleProject(servers, "build-uptodate");
        var token = TestContext.Current.CancellationToken;
        var context = await BuildContextBuilder.CreateAsync(project.Model(), token);
        var digest = await servers.Registry.PushImageAsync(context.Image.Path, context.Image.Tag!, token);
        // The client's writes (the operators' own, such as the Node heartbeat, are not counted).
        var writesBefore = servers.Cluster.Context.MutatingRequests;

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.False(result.Built);
        Assert.Equal(digest, result.Image.Digest);
        Assert.Null(result.JobName);
        Assert.Empty(result.Created);
        Assert.Equal(writesBefore, servers.Cluster.Context.MutatingRequests);
        Assert.Empty(project.Resources());
    }

    [Fact]
    public async Task An_up_to_date_image_needs_no_cluster_and_no_object_store_credentials()
    {
        using var project = new LifecycleProject(servers, "build-nocluster");
        var token = TestContext.Current.CancellationToken;
        var context = await BuildContextBuilder.CreateAsync(project.Model(), token);
        await servers.Registry.PushImageAsync(context.Image.Path, context.Image.Tag!, token);
        project.Properties[ModelProperties.Kubeconfig] = servers.UnreachableKubeconfigPath;
        project.Environment.Remove("AWS_ACCESS_KEY_ID");
        project.Environment.Remove("AWS_SECRET_ACCESS_KEY");

        var result = await KaptainLifecycle.BuildImageAsync(project.Options(), token);

        Assert.False(result.Built);
    }

    [Fact]
    public async Task Missing_object_store_credentials_fail_before_anything_is_created()
    {
        using var project = new LifecycleProject(servers, "build-nocreds");
        var token = TestContext.Current.CancellationToken;
        var (bucket, key) = await ContextObjectAsync(project, RunId);
        project.Environment.Remove("AWS_ACCESS_KEY_ID");
        project.Environment.Remove("AWS_SECRET_ACCESS_KEY");

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), token));

        Assert.Equal("KAPT2201", error.Diagnostics[0].Code);
        Assert.Empty(project.Resources());
        Assert.False(await servers.S3.ObjectExistsAsync(bucket, key, token));
    }

    [Fact]
    public async Task A_failed_build_reports_the_builder_log_and_removes_everything()
    {
        using var project = new LifecycleProject(servers, "build-fail");
        var token = TestContext.Current.CancellationToken;
        var (bucket, key) = await ContextObjectAsync(project, RunId);

        // Kaniko starts its pod some 150 ms after the Job exists; the context it would read is gone by then.
        project.Log.When(line => line.StartsWith("Created Job ", StringComparison.Ordinal), _ => DeleteObject(bucket, key));

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), token));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("KAPT1101", diagnostic.Code);
        Assert.Contains("error resolving source context", diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(project.Resources());
        Assert.True(await servers.S3.BucketExistsAsync(bucket, token));
        Assert.False(await servers.S3.ObjectExistsAsync(bucket, key, token));
    }

    [Fact]
    public async Task A_failed_build_job_is_kept_when_asked_but_its_secrets_are_not()
    {
        using var project = new LifecycleProject(servers, "build-keep");
        project.Properties[ModelProperties.KeepFailedResources] = "true";
        var token = TestContext.Current.CancellationToken;
        var (bucket, key) = await ContextObjectAsync(project, RunId);
        project.Log.When(line => line.StartsWith("Created Job ", StringComparison.Ordinal), _ => DeleteObject(bucket, key));

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), token));

        Assert.Equal("KAPT1101", error.Diagnostics[0].Code);
        var job = Assert.Single(project.LeftByRuns());
        Assert.StartsWith($"Job/{project.Name}-build-", job, StringComparison.Ordinal);
        Assert.DoesNotContain(project.Resources(), r => r.Resource.StartsWith("Secret/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_build_that_outlives_the_timeout_is_reported_and_removed()
    {
        using var project = new LifecycleProject(servers, "build-timeout");
        project.Properties[ModelProperties.BuildTimeout] = "2";
        var token = TestContext.Current.CancellationToken;
        var (bucket, key) = await ContextObjectAsync(project, RunId);

        // Without its docker config Secret the builder pod cannot start and waits for it.
        project.Log.When(
            line => line.StartsWith("Created Job ", StringComparison.Ordinal),
            _ => servers.Cluster.Store.Delete(BuiltInResources.Secret, project.Namespace, servers.Cluster.Store.List(BuiltInResources.Secret, project.Namespace).Items
                .Select(s => s["metadata"]!["name"]!.GetValue<string>()).Single(n => n.EndsWith("-docker", StringComparison.Ordinal))));

        var error = await Assert.ThrowsAsync<KaptainException>(() => KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), token));

        Assert.Equal("KAPT1102", error.Diagnostics[0].Code);
        Assert.Empty(project.Resources());
        Assert.False(await servers.S3.ObjectExistsAsync(bucket, key, token));
    }

    [Fact]
    public async Task Cancelling_during_the_build_removes_the_job_the_secrets_and_the_context()
    {
        using var project = new LifecycleProject(servers, "build-cancel");
        var token = TestContext.Current.CancellationToken;
        var (bucket, key) = await ContextObjectAsync(project, RunId);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(token);
        project.Log.When(line => line.StartsWith("Created Job ", StringComparison.Ordinal), _ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => KaptainLifecycle.BuildImageAsync(project.Options(runId: RunId), cancel.Token));

        Assert.Empty(project.Resources());
        Assert.True(await servers.S3.BucketExistsAsync(bucket, token));
        Assert.False(await servers.S3.ObjectExistsAsync(bucket, key, token));
        Assert.Empty(Directory.GetFiles(project.Intermediate, "objects-*"));
    }

    private void DeleteObject(string bucket, string key)
    {
        using var http = new HttpClient();
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Delete, new Uri(servers.S3.Endpoint, $"{bucket}/{key}")));
        Assert.True(response.IsSuccessStatusCode, $"s3rver answered {(int)response.StatusCode} to the DELETE");
    }
}
