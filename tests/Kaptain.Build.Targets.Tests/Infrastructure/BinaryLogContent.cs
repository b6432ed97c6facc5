using System.Buffers.Binary;
using System.IO.Compression;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// Every byte a binary log (<c>-bl</c>) holds, readable for a search: the binlog is a gzip stream of records, and the
/// project files it embeds are a zip archive inside it, so both layers are opened.
/// </summary>
internal static class BinaryLogContent
{
    /// <summary>The decompressed record stream, followed by the content of each embedded file.</summary>
    public static IReadOnlyList<byte[]> Read(string binlog)
    {
        byte[] records;
        using (var gzip = new GZipStream(File.OpenRead(binlog), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gzip.CopyTo(buffer);
            records = buffer.ToArray();
        }

        var parts = new List<byte[]> { records };
        parts.AddRange(EmbeddedFiles(records));
        return parts;
    }

    /// <summary>The files of the zip archives embedded in <paramref name="records"/>, found by their end records.</summary>
    private static IEnumerable<byte[]> EmbeddedFiles(byte[] records)
    {
        ReadOnlySpan<byte> endSignature = [0x50, 0x4b, 0x05, 0x06];
        var files = new List<byte[]>();
        for (var at = records.AsSpan().IndexOf(endSignature); at >= 0;)
        {
            // End of central directory: size of the directory at +12, its offset from the archive's start at +16.
            var size = BinaryPrimitives.ReadInt32LittleEndian(records.AsSpan(at + 12));
            var offset = BinaryPrimitives.ReadInt32LittleEndian(records.AsSpan(at + 16));
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(records.AsSpan(at + 20));
            var start = at - size - offset;
            var length = at + 22 + commentLength - start;
            if (start >= 0 && length > 0)
            {
                using var archive = new ZipArchive(new MemoryStream(records, start, length), ZipArchiveMode.Read);
                foreach (var entry in archive.Entries)
                {
                    using var content = entry.Open();
                    using var buffer = new MemoryStream();
                    content.CopyTo(buffer);
                    files.Add(buffer.ToArray());
                }
            }

            var next = records.AsSpan(at + 4).IndexOf(endSignature);
            at = next < 0 ? -1 : at + 4 + next;
        }

        return files;
    }
}
