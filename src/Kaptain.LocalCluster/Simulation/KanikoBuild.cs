using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// The simulated Kaniko executor: reads the context object from S3 with the container's credentials, checks it is a
/// gzip tar holding the Dockerfile, pushes an image (a config blob and the context as its one layer) to every
/// destination with the mounted docker config, and prints what Kaniko prints: <c>Pushing image to DEST</c> and
/// <c>Pushed REPO@sha256:...</c> for each destination, nothing more. The digest reaches the caller only through the
/// result, which the pod writes to <c>--digest-file</c> (see GoogleContainerTools/kaniko pkg/executor/push.go,
/// <c>DoPush</c>: it writes the digest file and logs <c>logrus.Infof("Pushed %s", digest)</c>; there is no
/// <c>digest:</c> line). Failures print the <c>Error: ...</c> line Kaniko prints and end the run as Kaniko's exit 1 would.
/// </summary>
/// <param name="invocation">The container's arguments and environment.</param>
/// <param name="dockerConfigJson">The mounted <c>/kaniko/.docker/config.json</c>, or null when none is mounted.</param>
/// <param name="time">The clock for the image's creation time.</param>
internal sealed class KanikoBuild(KanikoInvocation invocation, string? dockerConfigJson, TimeProvider time)
{
    /// <summary>The layer media type: the context is pushed as it was uploaded, gzip-compressed.</summary>
    public const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>The image config media type.</summary>
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Runs the build, printing each log line through <paramref name="print"/>.</summary>
    public async Task<KanikoResult> RunAsync(Func<string, CancellationToken, Task> print, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(print);
        try
        {
            var digest = await BuildAndPushAsync(print, cancellationToken).ConfigureAwait(false);
            return new KanikoResult(digest, null);
        }
        catch (KanikoFailure failure)
        {
            await print(failure.Message, cancellationToken).ConfigureAwait(false);
            return new KanikoResult(null, failure.Message);
        }
    }

    private async Task<string> BuildAndPushAsync(Func<string, CancellationToken, Task> print, CancellationToken cancellationToken)
    {
        Task Info(string text) => print($"INFO[{(int)_clock.Elapsed.TotalSeconds:0000}] {text}", cancellationToken);

        if (string.IsNullOrEmpty(invocation.S3Endpoint))
        {
            throw new KanikoFailure("Error: error resolving source context: S3_ENDPOINT is not set, and the simulated Kaniko reaches no default S3 service");
        }

        await Info($"Retrieving build context from {invocation.Context}").ConfigureAwait(false);

        // aws-sdk-go-v2 with a custom endpoint and UsePathStyle false sends to bucket.host: for an IP address or
        // localhost that name resolves nowhere, and the real Kaniko fails the same way.
        if (!invocation.ForcePathStyle
            && Uri.TryCreate(invocation.S3Endpoint, UriKind.Absolute, out var endpointUri)
            && (System.Net.IPAddress.TryParse(endpointUri.Host, out _) || endpointUri.Host == "localhost"))
        {
            throw new KanikoFailure(
                $"Error: error resolving source context: operation error S3: GetObject, https response error StatusCode: 0, RequestID: , HostID: , " +
                $"dial tcp: lookup {invocation.Bucket}.{endpointUri.Host}: no such host (S3_FORCE_PATH_STYLE is not \"true\", so the bucket is addressed by host name)");
        }
        byte[] compressed;
        try
        {
            using var store = new S3ObjectStore(invocation.S3Endpoint, invocation.AccessKey, invocation.SecretKey, invocation.Region);
            compressed = await store.ReadAsync(invocation.Bucket, invocation.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (S3Exception e)
        {
            throw new KanikoFailure($"Error: error resolving source context: {e.Message}");
        }

        var context = BuildContextArchive.Read(compressed, invocation.Dockerfile);
        var dockerfile = DockerfileSummary.Parse(context.Dockerfile);
        await Info($"Build context has {context.FileCount} files ({compressed.Length} bytes compressed)").ConfigureAwait(false);

        foreach (var destination in invocation.Destinations)
        {
            using var pusher = CreatePusher(destination);
            try
            {
                await pusher.CheckPushPermissionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                throw new KanikoFailure($"Error: error checking push permissions -- make sure you entered the correct tag name, and that you are authenticated correctly, and try again: checking push permission for \"{destination}\": {e.Message}");
            }
        }

        await Info($"Retrieving image manifest {dockerfile.BaseImage}").ConfigureAwait(false);
        await Info("Built cross stage deps: map[]").ConfigureAwait(false);
        await Info("Executing 0 build triggers").ConfigureAwait(false);
        await Info($"Building stage '{dockerfile.BaseImage}' [idx: '0', base-idx: '-1']").ConfigureAwait(false);
        var cache = invocation.Cache ? new KanikoLayerCache(invocation, CreatePusher, time) : null;
        var missed = cache is null
            ? []
            : await cache.LookUpAsync(invocation.Destinations[0], dockerfile, context, Info, cancellationToken).ConfigureAwait(false);
        foreach (var instruction in dockerfile.Instructions.Where(i => !i.StartsWith("FROM", StringComparison.OrdinalIgnoreCase)))
        {
            await Info(instruction).ConfigureAwait(false);
        }

        if (cache is not null)
        {
            await cache.PushAsync(invocation.Destinations[0], missed, Info, cancellationToken).ConfigureAwait(false);
        }

        await Info("Taking snapshot of full filesystem...").ConfigureAwait(false);
        var config = new OciBlob(ConfigMediaType, Encoding.UTF8.GetBytes(ImageConfig(context, dockerfile).ToJsonString()));
        var layer = new OciBlob(LayerMediaType, context.Compressed);
        string? digest = null;
        foreach (var destination in invocation.Destinations)
        {
            await Info($"Pushing image to {destination}").ConfigureAwait(false);
            using var pusher = CreatePusher(destination);
            try
            {
                digest = await pusher.PushAsync(config, [layer], cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                throw new KanikoFailure($"Error: error pushing image: failed to push to destination {destination}: {e.Message}");
            }

            await Info($"Pushed {destination.Registry}/{destination.Repository}@{digest}").ConfigureAwait(false);
        }

        return digest!;
    }

    private RegistryPusher CreatePusher(ImageReference destination) => new(
        destination,
        DockerConfigCredentials.Find(dockerConfigJson, destination.Registry),
        destination.UsesPlainHttp(invocation.Insecure),
        invocation.SkipTlsVerify);

    private JsonObject ImageConfig(BuildContextArchive context, DockerfileSummary dockerfile)
    {
        var created = time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var runConfig = new JsonObject();
        if (dockerfile.Environment.Count > 0)
        {
            runConfig["Env"] = new JsonArray(dockerfile.Environment.Select(e => (JsonNode?)e).ToArray());
        }

        if (dockerfile.Labels.Count > 0)
        {
            runConfig["Labels"] = new JsonObject(dockerfile.Labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        if (dockerfile.WorkingDirectory is { } workingDirectory)
        {
            runConfig["WorkingDir"] = workingDirectory;
        }

        if (dockerfile.Entrypoint is { } entrypoint)
        {
            runConfig["Entrypoint"] = entrypoint.DeepClone();
        }

        if (dockerfile.Cmd is { } cmd)
        {
            runConfig["Cmd"] = cmd.DeepClone();
        }

        return new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = created,
            ["config"] = runConfig,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(context.DiffId) },
            ["history"] = new JsonArray(new JsonObject { ["created"] = created, ["created_by"] = $"simulated kaniko: {invocation.Context} on {dockerfile.BaseImage}" }),
        };
    }
}
