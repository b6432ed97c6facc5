using System.Globalization;

namespace Kaptain.Build.Bench;

/// <summary>
/// Every wait of the bench has an end: each step runs under a time limit, and a figure that cannot run or overruns
/// fails with a sentence saying why (issue 11, item 6) instead of waiting for ever.
/// </summary>
internal static class BenchLimits
{
    /// <summary>How long one <c>dotnet build</c> of a sample may take on a loaded machine.</summary>
    public static readonly TimeSpan Build = TimeSpan.FromMinutes(5);

    /// <summary>How long a build may take to print a line the figure waits for.</summary>
    public static readonly TimeSpan Line = TimeSpan.FromMinutes(3);

    /// <summary>How long a whole figure may take.</summary>
    public static readonly TimeSpan Figure = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Runs <paramref name="action"/> with a token cancelled after <paramref name="limit"/>; an overrun becomes a
    /// <see cref="BenchFailure"/> naming <paramref name="what"/>. Cancellation of <paramref name="cancellationToken"/>
    /// (Ctrl+C on the bench) stays a cancellation.
    /// </summary>
    public static async Task<T> WithinAsync<T>(TimeSpan limit, string what, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(limit);
        try
        {
            return await action(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BenchFailure(string.Create(CultureInfo.InvariantCulture, $"{what} did not end within {limit.TotalSeconds:0} s"));
        }
    }

    /// <inheritdoc cref="WithinAsync{T}(TimeSpan, string, Func{CancellationToken, Task{T}}, CancellationToken)"/>
    public static Task WithinAsync(TimeSpan limit, string what, Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        WithinAsync(limit, what, async token =>
        {
            await action(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Whether this process ignores SIGINT: a shell starts background jobs (<c>nohup … &amp;</c>, <c>cmd &amp;</c> in a
    /// script) with SIGINT ignored, children inherit it, and a <c>dotnet build</c> started from here then never sees the
    /// Ctrl+C the interrupt figure sends. Read from the <c>SigIgn</c> mask of <c>/proc/self/status</c> (bit n-1 for signal n).
    /// </summary>
    public static bool SigIntIgnored()
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
        {
            return false;
        }

        var line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        if (line is null || !ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
        {
            return false;
        }

        const int SigInt = 2;
        return (mask & (1UL << (SigInt - 1))) != 0;
    }

    /// <summary>The 1-minute load average of the machine (from <c>/proc/loadavg</c>), or NaN where there is none.</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}

/// <summary>A figure that could not be measured, with the reason a reader can act on.</summary>
internal sealed class BenchFailure(string message) : Exception(message);
