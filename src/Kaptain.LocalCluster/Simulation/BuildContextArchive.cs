using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>A Kaniko build context as read from S3: a gzip-compressed tar that must hold the Dockerfile.</summary>
internal sealed class BuildContextArchive
{
    private BuildContextArchive(byte[] compressed, string diffId, string dockerfile, int fileCount)
    {
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
                if (Normalize(entry.Name) == wanted && entry.DataStream is { } data)
                {
                    using var text = new StreamReader(data, Encoding.UTF8);
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

        return new BuildContextArchive(compressed, OciBlob.DigestOf(tar), dockerfile, files);
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
