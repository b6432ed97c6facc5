using System.Globalization;
using System.Text;
using System.Text.Json;
using Kaptain.Testing;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>
/// The figures the suite measured on each server, written to <c>artifacts/reliability/results.md</c> and
/// <c>results.json</c> each time one is recorded (so an interrupted run still leaves what it measured): one column per
/// server, a dash where a figure was not measured on that server (the test class says why).
/// </summary>
public static class ReliabilityFigures
{
    private static readonly Lock Gate = new();
    private static readonly List<Figure> Figures = [];
    private static readonly Dictionary<LifecycleEngine, TimeSpan> Times = [];

    /// <summary>One measured value, on one server.</summary>
    public sealed record Figure(string Server, string Area, string Name, long Value, string Goal, string Mode);

    /// <summary>The column heading of a server.</summary>
    public static string ServerName(LifecycleEngine engine) => engine == LifecycleEngine.LocalCluster ? "local cluster" : "real control plane";

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
        var servers = new[] { LifecycleEngine.LocalCluster, LifecycleEngine.RealControlPlane };
        var md = new StringBuilder();
        md.AppendLine("# Reliability figures").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with `{command}` (mode: {mode}).").AppendLine();
        md.AppendLine("Servers: **local cluster**, the stand-in API server with the simulated operators in the test process, the builds")
            .AppendLine("with its admin kubeconfig; **real control plane**, upstream kube-apiserver + kube-controller-manager v1.20.2")
            .AppendLine("(envtest assets) with the same simulated operators attached, the builds as a ServiceAccount bound only to the")
            .AppendLine("Roles of `samples/rbac` (a 403 in its audit log fails the test). \"-\": not measured on that server. Every area runs")
            .AppendLine("on both servers, the same points and cases on each (the interruption sweep tries every point of every step on the")
            .AppendLine("real control plane too), except the fault matrix: its faults are injected inside the stand-in's API server.").AppendLine();
        md.AppendLine("| Area | Figure | Local cluster | Real control plane | Goal |").AppendLine("|---|---|---:|---:|---|");
        foreach (var row in Figures.GroupBy(f => (f.Area, f.Name)).OrderBy(g => g.Key.Area, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            string Value(LifecycleEngine engine) =>
                row.FirstOrDefault(f => f.Server == ServerName(engine)) is { } f ? f.Value.ToString(CultureInfo.InvariantCulture) : "-";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row.Key.Area} | {row.Key.Name} | {Value(servers[0])} | {Value(servers[1])} | {row.First().Goal} |");
        }

        md.AppendLine().AppendLine("Test time per server (the sum of the tests' own times, the servers' start included; the classes of one server run one after another):").AppendLine();
        foreach (var engine in servers)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {ServerName(engine)}: {(Times.TryGetValue(engine, out var time) ? $"{time.TotalMinutes:0.0} min" : "not run")}");
        }

        return md.ToString();
    }

    /// <summary>Records a figure measured on <paramref name="engine"/> and rewrites the results files.</summary>
    public static void Record(LifecycleEngine engine, string area, string name, long value, string goal = "")
    {
        lock (Gate)
        {
            var mode = ReliabilityServers.Full ? "full" : "subset";
            var server = ServerName(engine);
            Figures.RemoveAll(f => f.Server == server && f.Area == area && f.Name == name);
            Figures.Add(new Figure(server, area, name, value, goal, mode));
            WriteLocked();
        }
    }

    /// <summary>Adds the time one test took on <paramref name="engine"/>.</summary>
    public static void AddTime(LifecycleEngine engine, TimeSpan time)
    {
        lock (Gate)
        {
            Times[engine] = Times.GetValueOrDefault(engine) + time;
            if (Figures.Count > 0)
            {
                WriteLocked();
            }
        }
    }

    private static void WriteLocked()
    {
        var directory = Path.Combine(RepositoryPaths.Artifacts, "reliability");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(Figures, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(directory, "results.md"), TableLocked());
    }
}
