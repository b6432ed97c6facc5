using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Build.Context;
using Kaptain.Build.Model;

namespace Kaptain.Build.Registry;

/// <summary>
/// Builds the model image without a builder: the base image (FROM, requirements, pip install, ENV, ENTRYPOINT, built
/// once by Kaniko) plus one layer holding the model's files under the work directory, with a new config and manifest,
/// all through the registry API. What the generated Dockerfile's <c>COPY . /app/</c> would add on top of the base, as
/// the .NET SDK's container targets (dotnet/sdk, src/Containers/Microsoft.NET.Build.Containers/Layer.cs, ImageBuilder.cs)
/// and Kubeflow Fairing's AppendBuilder (kubeflow/fairing, fairing/builders/append/append.py) add an application layer
/// to a base image.
/// </summary>
internal static class AppendImageBuilder
{
    /// <summary>The label on the model image that names the build context checksum it was built from: the same label a
    /// Kaniko build writes (<see cref="Lifecycle.BuildImageStep.ChecksumLabel"/>), so that the up-to-date check reads
    /// either image alike.</summary>
    public const string ChecksumLabel = Lifecycle.BuildImageStep.ChecksumLabel;

    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    private const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
    private const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>The base image's manifest when the registry has it as a single-platform image manifest, else null.</summary>
    public static async Task<(byte[] Content, string MediaType)?> FindBaseAsync(RegistryClient registry, ImageReference baseImage, CancellationToken cancellationToken)
    {
        var manifest = await registry.GetManifestAsync(baseImage, cancellationToken).ConfigureAwait(false);
        return manifest is { MediaType: OciManifest or DockerManifest } ? manifest : null;
    }

    /// <summary>
    /// Pushes <paramref name="target"/> = <paramref name="baseImage"/> + one layer of <paramref name="files"/> (placed
    /// under <paramref name="workDirectory"/>); returns the new manifest's digest and how the base's layers got to the
    /// target repository.
    /// </summary>
    public static async Task<AppendResult> AppendAsync(
        RegistryClient registry,
        ImageReference baseImage,
        (byte[] Content, string MediaType) baseManifest,
        ImageReference target,
        IReadOnlyList<ContextArchiveEntry> files,
        string workDirectory,
        string checksum,
        CancellationToken cancellationToken)
    {
        var manifest = JsonNode.Parse(baseManifest.Content)!.AsObject();
        var configDigest = manifest["config"]!["digest"]!.GetValue<string>();
        var config = JsonNode.Parse(await registry.GetBlobAsync(baseImage, configDigest, cancellationToken).ConfigureAwait(false))!.AsObject();

        var layer = await LayerAsync(files, workDirectory, cancellationToken).ConfigureAwait(false);
        var mounted = 0;
        var copied = 0;
        foreach (var baseLayer in manifest["layers"]!.AsArray())
        {
            switch (await registry.EnsureBlobAsync(target, baseImage, baseLayer!["digest"]!.GetValue<string>(), cancellationToken).ConfigureAwait(false))
            {
                case "mounted":
                    mounted++;
                    break;
                case "copied":
                    copied++;
                    break;
            }
        }

        await registry.PushBlobAsync(target, layer.Digest, layer.Compressed, cancellationToken).ConfigureAwait(false);

        var created = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        config["created"] = created;
        var rootfs = config["rootfs"] as JsonObject ?? new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray() };
        config["rootfs"] = rootfs;
        (rootfs["diff_ids"] as JsonArray ?? (JsonArray)(rootfs["diff_ids"] = new JsonArray())).Add(layer.DiffId);
        var history = config["history"] as JsonArray ?? (JsonArray)(config["history"] = new JsonArray());
        history.Add(new JsonObject { ["created"] = created, ["created_by"] = $"COPY . {workDirectory}/ # kaptain append builder" });
        var runConfig = config["config"] as JsonObject ?? (JsonObject)(config["config"] = new JsonObject());
        var labels = runConfig["Labels"] as JsonObject ?? (JsonObject)(runConfig["Labels"] = new JsonObject());
        labels[ChecksumLabel] = checksum;
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var newConfigDigest = Digest(configBytes);
        await registry.PushBlobAsync(target, newConfigDigest, configBytes, cancellationToken).ConfigureAwait(false);

        manifest["config"]!["digest"] = newConfigDigest;
        manifest["config"]!["size"] = configBytes.Length;
        manifest["layers"]!.AsArray().Add(new JsonObject
        {
            ["mediaType"] = baseManifest.MediaType == DockerManifest ? DockerLayer : OciLayer,
            ["digest"] = layer.Digest,
            ["size"] = layer.Compressed.LongLength,
        });
        var digest = await registry.PutManifestAsync(target, Encoding.UTF8.GetBytes(manifest.ToJsonString()), baseManifest.MediaType, cancellationToken).ConfigureAwait(false);
        return new AppendResult(digest, layer.Compressed.LongLength, mounted, copied);
    }

    /// <summary>The layer: a deterministic tar of the files under the work directory, gzip-compressed.</summary>
    internal static async Task<(byte[] Compressed, string Digest, string DiffId)> LayerAsync(
        IReadOnlyList<ContextArchiveEntry> files, string workDirectory, CancellationToken cancellationToken)
    {
        var prefix = workDirectory.Trim('/');
        var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            // Deterministic (GNU headers, fixed times and owners; PAX headers would carry the process id), directories first
        // as a COPY's snapshot has them, so that the same files give the same layer digest.
            var directories = files
                .SelectMany(f => Parents(prefix + "/" + f.RelativePath))
                .Prepend(prefix)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal);
            foreach (var directory in directories)
            {
                await writer.WriteEntryAsync(Fixed(new GnuTarEntry(TarEntryType.Directory, directory + "/"), 0755), cancellationToken).ConfigureAwait(false);
            }

            foreach (var file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
            {
                var entry = Fixed(new GnuTarEntry(TarEntryType.RegularFile, prefix + "/" + file.RelativePath), 0644);
                if (file.FullPath is { } path)
                {
                    var stream = File.OpenRead(path);
                    await using (stream.ConfigureAwait(false))
                    {
                        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(stream.SafeFileHandle) & UnixFileMode.UserExecute) != 0)
                        {
                            entry.Mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                        }

                        entry.DataStream = stream;
                        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    entry.DataStream = new MemoryStream(file.Content.ToArray());
                    await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var tarBytes = tar.ToArray();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(tarBytes, cancellationToken).ConfigureAwait(false);
        }

        var bytes = compressed.ToArray();
        return (bytes, Digest(bytes), Digest(tarBytes));
    }

    private static IEnumerable<string> Parents(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }

    private static GnuTarEntry Fixed(GnuTarEntry entry, int mode)
    {
        entry.Mode = (UnixFileMode)mode;
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.AccessTime = DateTimeOffset.UnixEpoch;
        entry.ChangeTime = DateTimeOffset.UnixEpoch;
        entry.UserName = string.Empty;
        entry.GroupName = string.Empty;
        entry.Uid = 0;
        entry.Gid = 0;
        return entry;
    }

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>What an append pushed.</summary>
    /// <param name="Digest">The new manifest's digest.</param>
    /// <param name="LayerBytes">The size of the one new layer.</param>
    /// <param name="MountedLayers">Base layers mounted from the base's repository.</param>
    /// <param name="CopiedLayers">Base layers copied because the registry declined the mount.</param>
    internal sealed record AppendResult(string Digest, long LayerBytes, int MountedLayers, int CopiedLayers);
}
