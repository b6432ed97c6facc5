using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Kaptain.LocalCluster.Tests.Simulation;

/// <summary>Makes build context archives (gzip tar) as the core uploads them.</summary>
internal static class BuildContexts
{
    public static byte[] Create(params (string Path, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }

        return buffer.ToArray();
    }

    public static byte[] WithDockerfile() => Create(
        ("Dockerfile", "FROM python:3.11-slim\nWORKDIR /app\nCOPY . /app\nENV MODEL=mnist\nCMD [\"python\", \"train.py\"]\n"),
        ("train.py", "print('training')\n"));
}
