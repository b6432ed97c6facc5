using System.Globalization;
using System.Text.RegularExpressions;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>Go's <c>time.ParseDuration</c> syntax, which Kaniko's duration flags (<c>--cache-ttl</c>) use: a sequence of
/// decimal numbers with a unit each (<c>ns</c>, <c>us</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>), optionally signed.</summary>
internal static partial class GoDuration
{
    /// <summary>Parses <paramref name="text"/>; false when Go would answer "invalid duration".</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = DurationRegex().Match(text);
        if (!match.Success || text is "" or "+" or "-")
        {
            return text == "0";
        }

        double total = 0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = UnitRegex().Match(part.Value);
            var number = double.Parse(part.Value[..unit.Index], CultureInfo.InvariantCulture);
            total += unit.Value switch
            {
                "h" => number * 3600e9,
                "m" => number * 60e9,
                "s" => number * 1e9,
                "ms" => number * 1e6,
                "us" or "µs" => number * 1e3,
                _ => number,
            };
        }

        duration = TimeSpan.FromTicks((long)(total / 100) * (match.Groups["sign"].Value == "-" ? -1 : 1));
        return true;
    }

    [GeneratedRegex(@"^(?<sign>[+-]?)(?<part>([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+$")]
    private static partial Regex DurationRegex();

    [GeneratedRegex("(ns|us|µs|ms|s|m|h)$")]
    private static partial Regex UnitRegex();
}
