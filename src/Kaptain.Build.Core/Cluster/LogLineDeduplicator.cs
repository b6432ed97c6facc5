using System.Globalization;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Remembers how far one container instance's log has been shown, so a stream opened again after a drop (which starts
/// from the beginning) shows only lines not shown yet. Lines are read with <c>timestamps=true</c> and compared by
/// timestamp (and by position among lines of the same timestamp); a server that sends no timestamps is handled by
/// line count.
/// </summary>
internal sealed class LogLineDeduplicator
{
    private (long Seconds, int Nanos)? lastShown;
    private int shownAtLast;
    private int shownCount;

    // Per stream: how many lines of the current timestamp this stream has passed, and its line index.
    private (long Seconds, int Nanos)? streamTimestamp;
    private int streamAtTimestamp;
    private int streamIndex;

    /// <summary>How many lines have been shown for this instance.</summary>
    public int ShownCount => shownCount;

    /// <summary>Call when a new stream of the same container instance starts.</summary>
    public void BeginStream()
    {
        streamTimestamp = null;
        streamAtTimestamp = 0;
        streamIndex = 0;
    }

    /// <summary>Splits a raw line into timestamp and text, and says whether it is new.</summary>
    /// <param name="raw">The line as the server sent it (<c>2024-05-01T10:00:00.123456789Z text</c>).</param>
    /// <param name="text">The line without its timestamp.</param>
    /// <returns><see langword="true"/> when the line has not been shown yet (it is then counted as shown).</returns>
    public bool TryAccept(string raw, out string text)
    {
        var index = streamIndex++;
        var stamp = ParseTimestamp(raw, out text);
        if (stamp is null)
        {
            if (index < shownCount)
            {
                return false;
            }

            shownCount++;
            return true;
        }

        if (streamTimestamp == stamp)
        {
            streamAtTimestamp++;
        }
        else
        {
            streamTimestamp = stamp;
            streamAtTimestamp = 1;
        }

        if (lastShown is { } last)
        {
            var order = Compare(stamp.Value, last);
            if (order < 0 || (order == 0 && streamAtTimestamp <= shownAtLast))
            {
                return false;
            }
        }

        if (lastShown == stamp)
        {
            shownAtLast++;
        }
        else
        {
            lastShown = stamp;
            shownAtLast = 1;
        }

        shownCount++;
        return true;
    }

    /// <summary>Parses the RFC 3339 timestamp the API puts before each line; <see langword="null"/> when there is none.</summary>
    internal static (long Seconds, int Nanos)? ParseTimestamp(string raw, out string text)
    {
        text = raw;
        var space = raw.IndexOf(' ', StringComparison.Ordinal);
        var stamp = space < 0 ? raw : raw[..space];
        if (stamp.Length < 20 || stamp[4] != '-' || stamp[10] != 'T')
        {
            return null;
        }

        // Fractions have up to nine digits with trailing zeros trimmed, so they are compared as numbers, not text.
        var nanos = 0;
        var zoneStart = 19;
        if (stamp.Length > 19 && stamp[19] == '.')
        {
            var end = 20;
            while (end < stamp.Length && char.IsAsciiDigit(stamp[end]))
            {
                end++;
            }

            var digits = stamp[20..end].PadRight(9, '0')[..9];
            nanos = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            zoneStart = end;
        }

        if (!DateTimeOffset.TryParse(
                stamp[..19] + stamp[zoneStart..],
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out var time))
        {
            return null;
        }

        text = space < 0 ? "" : raw[(space + 1)..];
        return (time.ToUnixTimeSeconds(), nanos);
    }

    private static int Compare((long Seconds, int Nanos) a, (long Seconds, int Nanos) b) =>
        a.Seconds != b.Seconds ? a.Seconds.CompareTo(b.Seconds) : a.Nanos.CompareTo(b.Nanos);
}
