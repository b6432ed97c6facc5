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

    public string Goal => ">= 150 MB/s and >= 8x tar czf, peak RSS < 200 MB";

    public string Title => "Build context packing + upload of 1 GiB vs tar czf";

    public TimeSpan TimeLimit => TimeSpan.FromMinutes(90);

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        var folder = ContextFolder.Ensure();
        await using var s3 = await S3Server.StartAsync(cancellationToken: cancellationToken);

        // tar czf with its defaults (gzip -6, one core), to a file as the upload ends in one.
        var tarball = Path.Combine(BenchResults.Directory, "context-1gib.tar.gz");
        var tar = Stopwatch.StartNew();
        using (var process = Process.Start(new ProcessStartInfo("tar", ["czf", tarball, "-C", folder, "."]) { UseShellExecute = false })!)
        {
            try
            {
                await BenchLimits.WithinAsync(TimeSpan.FromMinutes(20), "tar czf of the 1 GiB folder", process.WaitForExitAsync, cancellationToken);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }

            if (process.ExitCode != 0)
            {
                throw new BenchFailure($"tar czf exited with {process.ExitCode}");
            }
        }

        tar.Stop();
        var tarBytes = new FileInfo(tarball).Length;
        File.Delete(tarball);

        // The checksum pass on its own (it decides whether to build at all), then packing to nothing (what the CPU
        // can do), then the same compressed bytes uploaded from a file without packing (what the store can take).
        // The upload figures are the median of three runs, each in a process of its own (so each pays its own JIT, as
        // a build does): on this machine the same run varies by +-10 % from one time to the next, and one slow or
        // fast run is not the figure.
        var checksum = await RunWorkerProcessAsync(WorkerMode.Checksum, folder, s3, heapLimitBytes: null, cancellationToken);
        var packOnly = await RunWorkerProcessAsync(WorkerMode.PackOnly, folder, s3, heapLimitBytes: null, cancellationToken);
        var ceilings = new List<WorkerResult>();
        var workers = new List<WorkerResult>();
        for (var run = 0; run < Runs; run++)
        {
            ceilings.Add(await RunWorkerProcessAsync(WorkerMode.UploadOnly, folder, s3, heapLimitBytes: null, cancellationToken));
            workers.Add(await RunWorkerProcessAsync(WorkerMode.PackAndUpload, folder, s3, heapLimitBytes: null, cancellationToken));
        }

        var ceiling = Median(ceilings);
        var worker = Median(workers);

        // Peak RSS counts garbage the GC has not collected yet. A second run under a 200 MB GC heap limit shows whether
        // the live memory stays under it.
        const long HeapLimit = 200L * 1024 * 1024;
        var limited = await RunWorkerProcessAsync(WorkerMode.PackAndUpload, folder, s3, HeapLimit, cancellationToken);
        double Rate(double seconds) => ContextFolder.TotalBytes / seconds / 1e6;
        var tarThroughput = Rate(tar.Elapsed.TotalSeconds);
        var ours = Rate(worker.Seconds);
        var speedup = ours / tarThroughput;
        var peakMb = workers.Max(w => w.PeakBytes) / 1024.0 / 1024.0;
        var ofCeiling = ceiling.Seconds / worker.Seconds;
        var ofPacking = packOnly.Seconds / worker.Seconds;
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = ours >= 150 && speedup >= 8 && peakMb < 200,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{ours:0} MB/s (median of {Runs}: {Rate(workers.Max(w => w.Seconds)):0}-{Rate(workers.Min(w => w.Seconds)):0}) vs tar czf {tarThroughput:0} MB/s ({speedup:0.0}x), peak RSS {peakMb:0} MB; {ofCeiling:P0} of the ceiling (same bytes, upload only, {Rate(ceiling.Seconds):0} MB/s), packing alone {Rate(packOnly.Seconds):0} MB/s, checksum pass {Rate(checksum.Seconds):0} MB/s ({checksum.Seconds:0.0} s)"),
            Values = new Dictionary<string, double>
            {
                ["folder_bytes"] = ContextFolder.TotalBytes,
                ["kaptain_seconds"] = worker.Seconds,
                ["kaptain_mb_per_s"] = ours,
                ["kaptain_runs"] = Runs,
                ["kaptain_slowest_mb_per_s"] = Rate(workers.Max(w => w.Seconds)),
                ["kaptain_fastest_mb_per_s"] = Rate(workers.Min(w => w.Seconds)),
                ["kaptain_compressed_bytes"] = worker.CompressedBytes,
                ["kaptain_stored_blocks"] = worker.StoredBlocks,
                ["kaptain_compressed_blocks"] = worker.CompressedBlocks,
                ["kaptain_peak_rss_mb"] = peakMb,
                ["kaptain_cpu_seconds"] = worker.CpuSeconds,
                ["kaptain_with_200mb_heap_limit_seconds"] = limited.Seconds,
                ["kaptain_with_200mb_heap_limit_peak_rss_mb"] = limited.PeakBytes / 1024.0 / 1024.0,
                ["ceiling_upload_only_seconds"] = ceiling.Seconds,
                ["ceiling_upload_only_mb_per_s"] = Rate(ceiling.Seconds),
                ["ceiling_upload_only_compressed_mb_per_s"] = ceiling.CompressedBytes / ceiling.Seconds / 1e6,
                ["pack_only_seconds"] = packOnly.Seconds,
                ["pack_only_mb_per_s"] = Rate(packOnly.Seconds),
                ["pack_only_cpu_seconds"] = packOnly.CpuSeconds,
                ["checksum_seconds"] = checksum.Seconds,
                ["checksum_mb_per_s"] = Rate(checksum.Seconds),
                ["tar_czf_seconds"] = tar.Elapsed.TotalSeconds,
                ["tar_czf_mb_per_s"] = tarThroughput,
                ["tar_czf_bytes"] = tarBytes,
                ["speedup"] = speedup,
                ["fraction_of_upload_ceiling"] = ofCeiling,
                ["fraction_of_pack_only"] = ofPacking,
                ["cores"] = Environment.ProcessorCount,
            },
            Method = "artifacts/bench/context-1gib: 8 x 64 MiB random bytes and 8 x 64 MiB CSV text (fixed seed). Kaptain: ContextArchive.WriteAsync (blocks of 1008 KiB deflated at the fastest level on every core, each a gzip member; blocks of sampled entropy >= 7.5 bits/byte stored) written straight into the parts of IObjectStore.PutAsync's upload (S3ObjectStore: 8 MiB multipart parts, 2 in flight) to s3rver on 127.0.0.1 (tests/servers/s3rver-start.js: it completes a multipart upload as S3 does and joins the parts with cat), in a child process; 3 runs, each in a process of its own, alternating with the ceiling's, and the median is the figure (the range is given); peak memory is the highest VmHWM of those runs, and once more with DOTNET_GCHeapHardLimit=200 MB. Ceiling: the same archive written to a file first (not timed), then only uploaded from it to the same s3rver (median of 3). Packing alone: the archive written to Stream.Null. Checksum: BuildContextBuilder.ChecksumAsync over the same files (the pass that decides whether to build at all; the pack then reads the files again, from the page cache when they fit, because the checksum must be known before anything is uploaded). tar: `tar czf file -C folder .`, same run, same disk, before the others (so the page cache is warm for all but tar). Throughput is folder bytes over wall time. s3rver runs on the same cores, so the upload figures include its CPU.",
            Note = string.Create(CultureInfo.InvariantCulture,
                $"packed and uploaded at {ofCeiling:P0} of the upload ceiling (the same compressed bytes uploaded from a file with no packing: {Rate(ceiling.Seconds):0} MB/s) and {ofPacking:P0} of packing alone ({Rate(packOnly.Seconds):0} MB/s to nothing). {(ceiling.Seconds > packOnly.Seconds ? "The object store (s3rver: one node process on the same cores) is the limit, not the deflate" + (Rate(ceiling.Seconds) < 150 ? ": the goal's 150 MB/s is above what it accepts here." : "; packing and uploading share the 2 cores with it, so the figure includes s3rver's CPU.") : "The packing is the limit, not the object store.")}"),
        };
    }

    /// <summary>Runs of the upload and of its ceiling, each in a new process; the figure is their median.</summary>
    private const int Runs = 3;

    private static WorkerResult Median(List<WorkerResult> runs) => runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);

    /// <summary>What a worker process measures.</summary>
    internal enum WorkerMode
    {
        PackAndUpload,
        PackOnly,
        UploadOnly,
        Checksum,
    }

    /// <summary>Runs in the child process: measures one <see cref="WorkerMode"/>, then prints one JSON line with the figures.</summary>
    public static async Task<int> RunWorkerAsync(string[] args)
    {
        var (mode, folder, endpoint, accessKey, secretKey) = (Enum.Parse<WorkerMode>(args[0]), args[1], args[2], args[3], args[4]);
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".complete")
            .Order(StringComparer.Ordinal)
            .ToList();
        var entries = files.Select(f => new ContextArchiveEntry(Path.GetRelativePath(folder, f), f)).ToList();
        using var store = new S3ObjectStore(new ObjectStoreOptions
        {
            Endpoint = S3Endpoint.Parse(endpoint),
            Credentials = new S3Credentials(accessKey, new SecretValue(secretKey), null, "bench"),
        });
        await store.EnsureBucketAsync("bench", CancellationToken.None);
        var key = $"contexts/context-1gib-{mode}.tar.gz";

        ContextArchiveResult? archive = null;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = new Stopwatch();
        switch (mode)
        {
            case WorkerMode.PackAndUpload:
                stopwatch.Start();
                await store.PutAsync("bench", key, async (stream, token) => archive = await ContextArchive.WriteAsync(entries, stream, null, token), CancellationToken.None);
                stopwatch.Stop();
                break;
            case WorkerMode.PackOnly:
                stopwatch.Start();
                archive = await ContextArchive.WriteAsync(entries, Stream.Null, null, CancellationToken.None);
                stopwatch.Stop();
                break;
            case WorkerMode.UploadOnly:
                var packed = Path.Combine(BenchResults.Directory, "context-1gib-ceiling.tar.gz");
                try
                {
                    await using (var file = File.Create(packed))
                    {
                        archive = await ContextArchive.WriteAsync(entries, file, null, CancellationToken.None);
                    }

                    cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    await using var upload = new FileStream(packed, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    stopwatch.Start();
                    await store.PutAsync("bench", key, upload, CancellationToken.None);
                    stopwatch.Stop();
                }
                finally
                {
                    File.Delete(packed);
                }

                break;
            case WorkerMode.Checksum:
                var contextEntries = files.Select(f => new BuildContextEntry(Path.GetRelativePath(folder, f).Replace('\\', '/'), f)).ToList();
                stopwatch.Start();
                await BuildContextBuilder.ChecksumAsync(contextEntries, "FROM scratch\n", "scratch", CancellationToken.None);
                stopwatch.Stop();
                break;
        }

        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        if (mode is WorkerMode.PackAndUpload or WorkerMode.UploadOnly && !await store.ExistsAsync("bench", key, CancellationToken.None))
        {
            throw new InvalidOperationException("The uploaded context is not in the bucket.");
        }

        if (mode is WorkerMode.PackAndUpload or WorkerMode.UploadOnly)
        {
            await store.DeleteAsync("bench", key, CancellationToken.None);
        }

        Console.WriteLine(JsonSerializer.Serialize(new WorkerResult(
            stopwatch.Elapsed.TotalSeconds, PeakResidentBytes(), archive?.CompressedBytes ?? 0, archive?.StoredBlocks ?? 0, archive?.CompressedBlocks ?? 0, cpu)));
        return 0;
    }

    private static async Task<WorkerResult> RunWorkerProcessAsync(WorkerMode mode, string folder, S3Server s3, long? heapLimitBytes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(ContextUploadFigure).Assembly.Location, WorkerCommand, mode.ToString(), folder, s3.Endpoint.ToString(), s3.AccessKey, s3.SecretKey])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (heapLimitBytes is { } limit)
        {
            start.Environment["DOTNET_GCHeapHardLimit"] = limit.ToString("X", CultureInfo.InvariantCulture);
        }

        using var process = Process.Start(start)!;
        string output;
        try
        {
            output = await BenchLimits.WithinAsync(TimeSpan.FromMinutes(15), $"the context worker ({mode})", async token =>
            {
                var read = await process.StandardOutput.ReadToEndAsync(token);
                await process.WaitForExitAsync(token);
                return read;
            }, cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        if (process.ExitCode != 0)
        {
            throw new BenchFailure($"The context worker ({mode}) exited with {process.ExitCode}: {output}");
        }

        return JsonSerializer.Deserialize<WorkerResult>(output.Trim().Split('\n')[^1])!;
    }

    // VmHWM: the peak resident set size of this process, in kB.
    private static long PeakResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private sealed record WorkerResult(double Seconds, long PeakBytes, long CompressedBytes, int StoredBlocks, int CompressedBlocks, double CpuSeconds);
}
