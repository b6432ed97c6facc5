using System.Text;
using System.Text.Json;
using Kaptain.Testing;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>
/// The figures the suite measured, written to <c>artifacts/reliability/results.md</c> and <c>results.json</c> each time
/// one is recorded (so an interrupted run still leaves what it measured).
/// </summary>
public static class ReliabilityFigures
{
    private static readonly Lock Gate = new();
    private static readonly List<Figure> Figures = [];

    /// <summary>One measured value.</summary>
    public sealed record Figure(string Area, string Name, long Value, string Goal, string Mode);

    /// <summary>The figures so far as the Markdown of <c>results.md</c>.</summary>
    public static string Table()
    {
        lock (Gate)
        {
            return TableLocked();
        }
    }

    private static string TableLocked()
    {
        var mode = ReliabilityServers.Full ? "full" : "subset";
        var command = ReliabilityServers.Full
            ? "KAPTAIN_RELIABILITY_FIGURES=1 dotnet test tests/Kaptain.Build.Reliability.Tests"
            : "dotnet test tests/Kaptain.Build.Reliability.Tests (what ./build.sh --target=Test runs in CI)";
        var md = new StringBuilder();
        md.AppendLine("# Reliability figures").AppendLine();
        md.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with `{command}` (mode: {mode}).").AppendLine();
        md.AppendLine("| Area | Figure | Value | Goal |").AppendLine("|---|---|---:|---|");
        foreach (var f in Figures.OrderBy(f => f.Area, StringComparer.Ordinal).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            md.AppendLine($"| {f.Area} | {f.Name} | {f.Value} | {f.Goal} |");
        }

        return md.ToString();
    }

    /// <summary>Records a figure and rewrites the results files.</summary>
    public static void Record(string area, string name, long value, string goal = "")
    {
        lock (Gate)
        {
            var mode = ReliabilityServers.Full ? "full" : "subset";
            Figures.RemoveAll(f => f.Area == area && f.Name == name);
            Figures.Add(new Figure(area, name, value, goal, mode));
            var directory = Path.Combine(RepositoryPaths.Artifacts, "reliability");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(Figures, new JsonSerializerOptions { WriteIndented = true }));
            File.WriteAllText(Path.Combine(directory, "results.md"), TableLocked());
        }
    }
}
