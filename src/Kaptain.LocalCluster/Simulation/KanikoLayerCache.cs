using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// Kaniko's layer cache (<c>--cache=true</c>), as far as a client can see it: every RUN instruction has a cache key
/// computed from the base image, the instructions before it and the content of the files copied before it
/// (GoogleContainerTools/kaniko, pkg/executor/build.go, <c>CompositeCache</c>); before running it Kaniko looks for the
/// image <c>{cache repo}:{key}</c>, uses it when it exists and is younger than <c>--cache-ttl</c>, and otherwise runs the
/// instruction and pushes the layer there. The cache repository is <c>--cache-repo</c>, or the destination's
/// repository followed by <c>/cache</c>.
/// </summary>
internal sealed class KanikoLayerCache(KanikoInvocation invocation, Func<ImageReference, RegistryPusher> createPusher, TimeProvider time)
{
    /// <summary>The cache repository for <paramref name="destination"/>.</summary>
    public ImageReference RepositoryFor(ImageReference destination) =>
        invocation.CacheRepository is { } repository
            ? ImageReference.Parse(repository)
            : destination with { Repository = destination.Repository + "/cache", Tag = "latest" };

    /// <summary>The cache key of every RUN instruction, in order.</summary>
    public static IReadOnlyList<(string Instruction, string Key)> RunKeys(DockerfileSummary dockerfile, BuildContextArchive context)
    {
        var keys = new List<(string, string)>();
        var composite = new StringBuilder().Append(dockerfile.BaseImage).Append('\n');
        foreach (var instruction in dockerfile.Instructions.Where(i => !i.StartsWith("FROM", StringComparison.OrdinalIgnoreCase)))
        {
            composite.Append(instruction).Append('\n');
            var words = instruction.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var keyword = words[0].ToUpperInvariant();
            if (keyword is "COPY" or "ADD")
            {
                var sources = words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1).Select(w => w.Trim('"').TrimStart('.', '/'));
                foreach (var source in sources)
                {
                    foreach (var (path, digest) in context.FileDigests.Where(f => source.Length == 0 || f.Key == source || f.Key.StartsWith(source + "/", StringComparison.Ordinal)))
                    {
                        composite.Append(path).Append(' ').Append(digest).Append('\n');
                    }
                }
            }
            else if (keyword == "RUN")
            {
                keys.Add((instruction, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(composite.ToString())))));
            }
        }

        return keys;
    }

    /// <summary>Looks up each RUN's cached layer and prints what Kaniko prints; returns the keys that were missed.</summary>
    public async Task<IReadOnlyList<(string Instruction, string Key)>> LookUpAsync(
        ImageReference destination, DockerfileSummary dockerfile, BuildContextArchive context, Func<string, Task> info, CancellationToken cancellationToken)
    {
        var repository = RepositoryFor(destination);
        var missed = new List<(string, string)>();
        foreach (var (instruction, key) in RunKeys(dockerfile, context))
        {
            var cached = repository with { Tag = key };
            await info($"Checking for cached layer {repository.Registry}/{repository.Repository}:{key}...").ConfigureAwait(false);
            using var pusher = createPusher(cached);
            DateTimeOffset? created;
            try
            {
                created = await pusher.GetCreatedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                // Kaniko treats a failed lookup as a miss and goes on building.
                await info($"Failed to retrieve cached layer: {e.Message}").ConfigureAwait(false);
                created = null;
            }

            if (created is { } at && time.GetUtcNow() - at > invocation.CacheTtl)
            {
                await info($"Cache entry expired: {repository.Registry}/{repository.Repository}:{key}").ConfigureAwait(false);
                created = null;
            }

            if (created is null)
            {
                await info($"No cached layer found for cmd {instruction}").ConfigureAwait(false);
                missed.Add((instruction, key));
            }
            else
            {
                await info($"Using caching version of cmd: {instruction}").ConfigureAwait(false);
            }
        }

        return missed;
    }

    /// <summary>Pushes the layer of every missed RUN to the cache repository, as <c>{cache repo}:{key}</c>.</summary>
    public async Task PushAsync(ImageReference destination, IReadOnlyList<(string Instruction, string Key)> missed, Func<string, Task> info, CancellationToken cancellationToken)
    {
        var repository = RepositoryFor(destination);
        foreach (var (instruction, key) in missed)
        {
            await info($"Pushing layer {repository.Registry}/{repository.Repository}:{key} to cache now").ConfigureAwait(false);
            var layer = new OciBlob(KanikoBuild.LayerMediaType, GzipOf(Encoding.UTF8.GetBytes(instruction)));
            var created = time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var config = new JsonObject
            {
                ["architecture"] = "amd64",
                ["os"] = "linux",
                ["created"] = created,
                ["config"] = new JsonObject(),
                ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(OciBlob.DigestOf(Encoding.UTF8.GetBytes(instruction))) },
                ["history"] = new JsonArray(new JsonObject { ["created"] = created, ["created_by"] = instruction }),
            };
            using var pusher = createPusher(repository with { Tag = key });
            try
            {
                await pusher.PushAsync(new OciBlob(KanikoBuild.ConfigMediaType, Encoding.UTF8.GetBytes(config.ToJsonString())), [layer], cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                // Kaniko logs a failed cache push and keeps the build going (the image itself is what matters).
                await info($"Error uploading layer to cache: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    private static byte[] GzipOf(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }
}
