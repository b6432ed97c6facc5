using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kaptain.Build.Context;
using Kaptain.Build.Credentials;
using Kaptain.Build.Storage;
using Kaptain.Testing;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure 2: packing a 1 GiB model folder (half incompressible, half text) as the image build context and uploading it
/// to s3rver, with the core's <see cref="ContextArchive"/> and <see cref="IObjectStore"/> exactly as the build image
/// step does, against <c>tar czf</c> of the same folder in the same run; and the peak memory of the packing process.
/// </summary>
/// <remarks>
/// The packing runs in a child process of this command (<see cref="WorkerCommand"/>) so that its peak resident memory
/// (<c>VmHWM</c>) is its own, not the benchmark's.
/// </remarks>
internal sealed class ContextUploadFigure : IFigure
{
    public const string WorkerCommand = "context-worker";

    public int Number => 2;

    public string Name => "context";

    public string Title => "Build context packing + upload of 1 GiB vs tar czf";

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        var folder = ContextFolder.Ensure();
        await using var s3 = await S3Server.StartAsync(cancellationToken: cancellationToken);

        // tar czf with its defaults (gzip -6, one core), to a file as the upload ends in one.
        var tarball = Path.Combine(BenchResults.Directory, "context-1gib.tar.gz");
        var tar = Stopwatch.StartNew();
        using (var process = Process.Start(new ProcessStartInfo("tar", ["czf", tarball, "-C", folder, "."]) { UseShellExecute = false })!)
        {
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"tar czf exited with {process.ExitCode}");
            }
        }

        tar.Stop();
        var tarBytes = new FileInfo(tarball).Length;
        File.Delete(tarball);

        var worker = await RunWorkerProcessAsync(folder, s3, heapLimitBytes: null, cancellationToken);

        // Peak RSS counts garbage the GC has not collected yet (the upload's 16 MiB part buffers live on the large
        // object heap). A second run under a 200 MB GC heap limit shows whether the live memory stays under it.
        const long HeapLimit = 200L * 1024 * 1024;
        var limited = await RunWorkerProcessAsync(folder, s3, HeapLimit, cancellationToken);
        var tarThroughput = ContextFolder.TotalBytes / tar.Elapsed.TotalSeconds / 1e6;
        var ours = ContextFolder.TotalBytes / worker.Seconds / 1e6;
        var speedup = ours / tarThroughput;
        var peakMb = worker.PeakBytes / 1024.0 / 1024.0;
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = ">= 2.5x tar czf, peak memory < 200 MB",
            GoalMet = speedup >= 2.5 && peakMb < 200,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{ours:0} MB/s vs tar czf {tarThroughput:0} MB/s ({speedup:0.0}x), peak RSS {peakMb:0} MB (completes under a 200 MB GC heap limit: peak RSS {limited.PeakBytes / 1024.0 / 1024.0:0} MB)"),
            Values = new Dictionary<string, double>
            {
                ["folder_bytes"] = ContextFolder.TotalBytes,
                ["kaptain_seconds"] = worker.Seconds,
                ["kaptain_mb_per_s"] = ours,
                ["kaptain_compressed_bytes"] = worker.CompressedBytes,
                ["kaptain_stored_blocks"] = worker.StoredBlocks,
                ["kaptain_compressed_blocks"] = worker.CompressedBlocks,
                ["kaptain_peak_rss_mb"] = peakMb,
                ["kaptain_with_200mb_heap_limit_seconds"] = limited.Seconds,
                ["kaptain_with_200mb_heap_limit_peak_rss_mb"] = limited.PeakBytes / 1024.0 / 1024.0,
                ["tar_czf_seconds"] = tar.Elapsed.TotalSeconds,
                ["tar_czf_mb_per_s"] = tarThroughput,
                ["tar_czf_bytes"] = tarBytes,
                ["speedup"] = speedup,
                ["cores"] = Environment.ProcessorCount,
            },
            Method = "artifacts/bench/context-1gib: 8 x 64 MiB random bytes and 8 x 64 MiB CSV text (fixed seed). Kaptain: ContextArchive.WriteAsync piped into IObjectStore.PutAsync (MinioObjectStore, multipart) to s3rver on 127.0.0.1, in a child process; peak memory is that process's VmHWM, measured once with the default GC and once with DOTNET_GCHeapHardLimit=200 MB (the upload succeeding there shows the live memory stays under 200 MB). tar: `tar czf file -C folder .`, same run, same disk. Throughput is folder bytes over wall time.",
        };
    }

    /// <summary>Runs in the child process: packs and uploads, then prints one JSON line with the figures.</summary>
    public static async Task<int> RunWorkerAsync(string[] args)
    {
        var (folder, endpoint, accessKey, secretKey) = (args[0], args[1], args[2], args[3]);
        var entries = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".complete")
            .Order(StringComparer.Ordinal)
            .Select(f => new ContextArchiveEntry(Path.GetRelativePath(folder, f), f))
            .ToList();
        using var store = new MinioObjectStore(new ObjectStoreOptions
        {
            Endpoint = S3Endpoint.Parse(endpoint),
            Credentials = new S3Credentials(accessKey, new SecretValue(secretKey), null, "bench"),
        });
        await store.EnsureBucketAsync("bench", CancellationToken.None);

        ContextArchiveResult? archive = null;
        var stopwatch = Stopwatch.StartNew();
        await store.PutAsync(
            "bench",
            "contexts/context-1gib.tar.gz",
            async (stream, token) => archive = await ContextArchive.WriteAsync(entries, stream, null, token),
            CancellationToken.None);
        stopwatch.Stop();
        if (!await store.ExistsAsync("bench", "contexts/context-1gib.tar.gz", CancellationToken.None))
        {
            throw new InvalidOperationException("The uploaded context is not in the bucket.");
        }

        Console.WriteLine(JsonSerializer.Serialize(new WorkerResult(
            stopwatch.Elapsed.TotalSeconds, PeakResidentBytes(), archive!.CompressedBytes, archive.StoredBlocks, archive.CompressedBlocks)));
        return 0;
    }

    private static async Task<WorkerResult> RunWorkerProcessAsync(string folder, S3Server s3, long? heapLimitBytes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(ContextUploadFigure).Assembly.Location, WorkerCommand, folder, s3.Endpoint.ToString(), s3.AccessKey, s3.SecretKey])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (heapLimitBytes is { } limit)
        {
            start.Environment["DOTNET_GCHeapHardLimit"] = limit.ToString("X", CultureInfo.InvariantCulture);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The context worker exited with {process.ExitCode}: {output}");
        }

        return JsonSerializer.Deserialize<WorkerResult>(output.Trim().Split('\n')[^1])!;
    }

    // VmHWM: the peak resident set size of this process, in kB.
    private static long PeakResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private sealed record WorkerResult(double Seconds, long PeakBytes, long CompressedBytes, int StoredBlocks, int CompressedBlocks);
}
