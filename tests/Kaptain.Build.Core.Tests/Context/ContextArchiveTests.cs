using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Kaptain.Build.Context;
using Xunit;

namespace Kaptain.Build.Core.Tests.Context;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ContextArchiveTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("kaptain-archive-");

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public async Task Round_trips_through_tar_and_gzip_readers_in_the_given_order()
    {
        var token = TestContext.Current.CancellationToken;
        var script = WriteFile("run.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);
        var entries = new[]
        {
            ContextArchiveEntry.FromContent("Dockerfile", Encoding.UTF8.GetBytes("FROM python:3.11\nCOPY . /app\n")),
            new ContextArchiveEntry("src/train.py", WriteFile("src/train.py", "print('training')\n")),
            new ContextArchiveEntry("run.sh", script),
            new ContextArchiveEntry("data/empty.txt", WriteFile("data/empty.txt", string.Empty)),
            new ContextArchiveEntry(
                "a/very/long/path/" + string.Join('/', Enumerable.Repeat("segment-of-a-deep-folder", 8)) + "/file.txt",
                WriteFile("long.txt", "deep")),
        };

        using var archive = new MemoryStream();
        var result = await ContextArchive.WriteAsync(entries, archive, cancellationToken: token);

        var read = ReadArchive(archive.ToArray());
        Assert.Equal(entries.Select(e => e.RelativePath), read.Select(e => e.Name));
        Assert.Equal("FROM python:3.11\nCOPY . /app\n", Encoding.UTF8.GetString(read[0].Content));
        Assert.Equal("print('training')\n", Encoding.UTF8.GetString(read[1].Content));
        Assert.Empty(read[3].Content);
        Assert.Equal("deep", Encoding.UTF8.GetString(read[4].Content));
        Assert.Equal(UnixFileMode.UserExecute, read[2].Mode & UnixFileMode.UserExecute);
        Assert.Equal((UnixFileMode)0, read[1].Mode & UnixFileMode.UserExecute);
        Assert.All(read, e => Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime));
        Assert.All(read, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
        Assert.Equal(5, result.EntryCount);
        Assert.Equal(archive.Length, result.CompressedBytes);
    }

    [Fact]
    public async Task Same_content_gives_the_same_bytes()
    {
        var token = TestContext.Current.CancellationToken;
        var first = WriteFile("one/model.py", string.Concat(Enumerable.Repeat("import torch\n", 50_000)));
        var weights = WriteRandomFile("one/weights.bin", 3 * 1024 * 1024, seed: 7);
        var entries = new[] { new ContextArchiveEntry("model.py", first), new ContextArchiveEntry("weights.bin", weights) };

        var a = await ArchiveAsync(entries, token);
        File.SetLastWriteTimeUtc(first, DateTime.UtcNow.AddDays(-3));
        var b = await ArchiveAsync(entries, token);
        var c = await ArchiveAsync(entries, token, new ContextArchiveOptions { MaxDegreeOfParallelism = 1 });

        Assert.Equal(SHA256.HashData(a), SHA256.HashData(b));
        Assert.Equal(SHA256.HashData(a), SHA256.HashData(c));
    }

    [Fact]
    public async Task Large_mixed_file_round_trips_with_text_compressed_and_random_data_stored()
    {
        var token = TestContext.Current.CancellationToken;
        var text = WriteFile("data/train.csv", string.Concat(Enumerable.Range(0, 400_000).Select(i => $"{i},{i % 10},{i * 0.5:F1},label-{i % 7}\n")));
        var weights = WriteRandomFile("weights.safetensors", 48 * 1024 * 1024, seed: 42);
        var entries = new[] { new ContextArchiveEntry("data/train.csv", text), new ContextArchiveEntry("weights.safetensors", weights) };

        var path = Path.Combine(folder.FullName, "context.tar.gz");
        ContextArchiveResult result;
        await using (var output = File.Create(path))
        {
            result = await ContextArchive.WriteAsync(entries, output, cancellationToken: token);
        }

        Assert.True(result.StoredBlocks >= 40, $"stored {result.StoredBlocks}");
        Assert.True(result.CompressedBlocks >= 5, $"compressed {result.CompressedBlocks}");
        var textLength = new FileInfo(text).Length;
        Assert.True(result.CompressedBytes < result.TarBytes - (textLength / 2), $"{result}");

        await using var input = File.OpenRead(path);
        await using var gzip = new GZipStream(input, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        foreach (var expected in new[] { text, weights })
        {
            var entry = await tar.GetNextEntryAsync(cancellationToken: token);
            Assert.NotNull(entry?.DataStream);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(expected))), Convert.ToHexString(await SHA256.HashDataAsync(entry.DataStream, token)));
        }

        Assert.Null(await tar.GetNextEntryAsync(cancellationToken: token));
    }

    [Fact]
    public async Task Empty_list_is_a_valid_empty_archive()
    {
        var bytes = await ArchiveAsync([], TestContext.Current.CancellationToken);
        Assert.Empty(ReadArchive(bytes));
        Assert.True(bytes.Length > 0);
    }

    [Fact]
    public async Task Cancellation_stops_the_write()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var entries = new[] { new ContextArchiveEntry("weights.bin", WriteRandomFile("w.bin", 4 * 1024 * 1024, seed: 1)) };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ContextArchive.WriteAsync(entries, Stream.Null, cancellationToken: cancelled.Token));
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../outside")]
    [InlineData("a//b")]
    public void Paths_outside_the_context_are_refused(string path) =>
        Assert.Throws<ArgumentException>(() => ContextArchiveEntry.FromContent(path, Array.Empty<byte>()));

    private static async Task<byte[]> ArchiveAsync(IEnumerable<ContextArchiveEntry> entries, CancellationToken token, ContextArchiveOptions? options = null)
    {
        using var archive = new MemoryStream();
        await ContextArchive.WriteAsync(entries, archive, options, token);
        return archive.ToArray();
    }

    private static List<(string Name, byte[] Content, UnixFileMode Mode, DateTimeOffset ModificationTime, int Uid, int Gid)> ReadArchive(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var result = new List<(string, byte[], UnixFileMode, DateTimeOffset, int, int)>();
        while (tar.GetNextEntry() is { } entry)
        {
            using var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            result.Add((entry.Name, content.ToArray(), entry.Mode, entry.ModificationTime, entry.Uid, entry.Gid));
        }

        return result;
    }

    private string WriteFile(string relative, string content)
    {
        var path = Path.Combine(folder.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private string WriteRandomFile(string relative, int size, int seed)
    {
        var path = Path.Combine(folder.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
