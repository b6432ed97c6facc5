using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Kaptain.Build.Bench;

/// <summary>
/// The memory of a build process, read from outside it: its resident set from <c>/proc</c>, and its managed heap after
/// a full blocking collection that the bench forces over the runtime's diagnostics port (an EventPipe session with the
/// GC heap-collect keyword, as <c>dotnet-gcdump</c> does). Read right after that collection, the resident set says what
/// the process keeps, not how far the collector happened to be behind at the moment of the sample.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>The measured memory of one process.</summary>
    /// <param name="ResidentBytes">VmRSS right after the collection.</param>
    /// <param name="ManagedHeapBytes">The GC heap after the collection (all generations, large and pinned objects included).</param>
    internal readonly record struct AfterCollection(long ResidentBytes, long ManagedHeapBytes);

    /// <summary>The resident set of one process (VmRSS), or 0 when it is gone.</summary>
    public static long ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The processes under <paramref name="root"/> (itself included).</summary>
    public static IReadOnlyList<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
                {
                }
            }
        }

        return parents.Keys.Where(pid => IsDescendant(pid, root, parents)).ToList();
    }

    /// <summary>The resident set of <paramref name="root"/>'s whole process tree.</summary>
    public static long TreeResidentBytes(int root) => Tree(root).Sum(ResidentBytes);

    /// <summary>
    /// The process under <paramref name="root"/> that has loaded <paramref name="assemblyFile"/> (the MSBuild node that runs
    /// the Kaptain tasks), or null while none has.
    /// </summary>
    public static int? Loading(int root, string assemblyFile)
    {
        foreach (var pid in Tree(root))
        {
            try
            {
                if (File.ReadLines($"/proc/{pid}/maps").Any(l => l.EndsWith(assemblyFile, StringComparison.Ordinal)))
                {
                    return pid;
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    /// <summary>
    /// Forces a full blocking collection in <paramref name="pid"/> and returns its managed heap (from the collection's
    /// GCHeapStats event) and its resident set right after it; within <paramref name="limit"/>.
    /// </summary>
    public static async Task<AfterCollection> AfterFullCollectionAsync(int pid, TimeSpan limit, CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = await client.StartEventPipeSessionAsync(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords)],
            requestRundown: false, circularBufferMB: 16, cancellationToken).ConfigureAwait(false);
        long heap = -1;
        long resident = 0;

        // The statistics of the forced collection itself: a blocking gen2 collection started for the session. Any gen2
        // would not do: a background gen2 the runtime was running anyway also ends with GCHeapStats, and its total
        // includes the generation 0 and 1 that grew while it ran (tune-1000 once read 88 MB there, where the forced
        // collection's heap, and a gcdump of the same process, were 23 MB).
        var forced = -1;
        var forcedEnded = false;
        using var source = new EventPipeEventSource(session.EventStream);
        source.Clr.GCStart += data =>
        {
            if (forced < 0 && data.Depth == 2 && data.Type == GCType.NonConcurrentGC && data.Reason is GCReason.Induced or GCReason.InducedNotForced or GCReason.InducedCompacting)
            {
                forced = data.Count;
            }
        };
        source.Clr.GCStop += data => forcedEnded |= forced >= 0 && data.Count == forced;
        source.Clr.GCHeapStats += data =>
        {
            if (!forcedEnded || heap >= 0)
            {
                return;
            }

            heap = data.TotalHeapSize;
            resident = ResidentBytes(pid);
            // Ends Process() below once the runtime has flushed the session.
            _ = session.StopAsync(CancellationToken.None);
        };
        var processing = Task.Run(source.Process, CancellationToken.None);
        await BenchLimits.WithinAsync(limit, $"a full collection in process {pid}", token => processing.WaitAsync(token), cancellationToken).ConfigureAwait(false);
        if (heap < 0)
        {
            throw new BenchFailure($"process {pid} ended its diagnostics session without a full collection's heap statistics");
        }

        return new AfterCollection(resident, heap);
    }

    private static bool IsDescendant(int pid, int root, Dictionary<int, int> parents)
    {
        for (var current = pid; current > 1; current = parents.GetValueOrDefault(current))
        {
            if (current == root)
            {
                return true;
            }
        }

        return false;
    }
}
