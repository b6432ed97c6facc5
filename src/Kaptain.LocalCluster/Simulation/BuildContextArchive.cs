using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>A Kaniko build context as read from S3: a gzip-compressed tar that must hold the Dockerfile.</summary>
internal sealed class BuildContextArchive
{
    private BuildContextArchive(byte[] compressed, string diffId, string dockerfile, int fileCount, IReadOnlyDictionary<string, string> fileDigests)
    {
        FileDigests = fileDigests;
        Compressed = compressed;
        DiffId = diffId;
        Dockerfile = dockerfile;
        FileCount = fileCount;
    }

    /// <summary>The object as read: it becomes the image's one layer as it is.</summary>
    public byte[] Compressed { get; }

    /// <summary>The digest of the uncompressed tar (the layer's <c>diff_id</c>).</summary>
    public string DiffId { get; }

    /// <summary>The Dockerfile's text.</summary>
    public string Dockerfile { get; }

    /// <summary>The digest of each regular file's content, by its path in the context (what Kaniko's cache keys of COPY use).</summary>
    public IReadOnlyDictionary<string, string> FileDigests { get; }

    /// <summary>How many regular files the context holds.</summary>
    public int FileCount { get; }

    /// <summary>Reads and checks a context.</summary>
    /// <exception cref="KanikoFailure">It is not a gzip tar, or has no file at <paramref name="dockerfilePath"/>.</exception>
    public static BuildContextArchive Read(byte[] compressed, string dockerfilePath)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        byte[] tar;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var buffer = new MemoryStream();
            gzip.CopyTo(buffer);
            tar = buffer.ToArray();
        }
        catch (InvalidDataException)
        {
            throw new KanikoFailure("Error: error resolving source context: gzip: invalid header");
        }

        var wanted = Normalize(dockerfilePath);
        string? dockerfile = null;
        var files = 0;
        var digests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var reader = new TarReader(new MemoryStream(tar));
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                files++;
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                var bytes = content.GetBuffer().AsSpan(0, (int)content.Length);
                digests[Normalize(entry.Name)] = OciBlob.DigestOf(bytes);
                if (Normalize(entry.Name) == wanted)
                {
                    content.Position = 0;
                    using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
                    dockerfile = text.ReadToEnd();
                }
            }
        }
        catch (InvalidDataException)
        {
            throw new KanikoFailure("Error: error resolving source context: archive/tar: invalid tar header");
        }
        catch (FormatException)
        {
            throw new KanikoFailure("Error: error resolving source context: archive/tar: invalid tar header");
        }

        if (dockerfile is null)
        {
            throw new KanikoFailure("Error: error resolving dockerfile path: please provide a valid path to a Dockerfile within the build context with --dockerfile");
        }

        return new BuildContextArchive(compressed, OciBlob.DigestOf(tar), dockerfile, files, digests);
    }

    private static string Normalize(string path)
    {
        var normalized = path.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal))
        {
            normalized = normalized[2..];
        }

        return normalized.TrimStart('/');
    }
}
