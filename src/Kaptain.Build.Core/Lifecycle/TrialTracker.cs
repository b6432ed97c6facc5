using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Reports a trial when its state or metrics change, and the best trial when it changes: one line each, the moment the
/// watch sees it (a build log cannot redraw a table in place); <see cref="ReportTable"/> prints the final table.
/// </summary>
internal sealed class TrialTracker(ILifecycleLog log)
{
    private readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private string? best;

    public void Report(TrialSummary trial)
    {
        var line = TrialStatus.Describe(trial);
        lock (gate)
        {
            if (seen.TryGetValue(trial.Name, out var previous) && previous == line)
            {
                return;
            }

            seen[trial.Name] = line;
        }

        log.Info(line);
    }

    public void ReportBest(TrialSummary? trial, string objective)
    {
        if (trial is null)
        {
            return;
        }

        var value = trial.Metrics.FirstOrDefault(m => m.Key == objective).Value ?? "?";
        var line = $"Best so far: trial {trial.Name} ({objective}={value}) with {string.Join(", ", trial.Parameters.Select(p => $"{p.Key}={p.Value}"))}";
        lock (gate)
        {
            if (best == line)
            {
                return;
            }

            best = line;
        }

        log.Info(line);
    }

    /// <summary>The most rows <see cref="ReportTable"/> prints (a 1,000-trial experiment's table would bury the summary).</summary>
    public const int TableRows = 10;

    /// <summary>
    /// The trials at the end as a table, best first by <paramref name="objective"/>: a count by state, then one aligned
    /// row per trial (at most <see cref="TableRows"/>).
    /// </summary>
    public void ReportTable(IReadOnlyList<TrialSummary> trials, string objective, ObjectiveType type)
    {
        if (trials.Count == 0)
        {
            return;
        }

        var counts = string.Join(", ", trials.GroupBy(t => t.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        var ranked = trials
            .OrderBy(t => TrialStatus.Metric(t, objective) is null ? 1 : 0)
            .ThenBy(t => (type == ObjectiveType.Minimize ? 1 : -1) * (TrialStatus.Metric(t, objective) ?? 0))
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .Take(TableRows)
            .ToList();
        List<string[]> rows = [["trial", "state", objective, "parameters"]];
        rows.AddRange(ranked.Select(t => new[]
        {
            t.Name,
            t.State,
            t.Metrics.FirstOrDefault(m => m.Key == objective).Value ?? "-",
            string.Join(", ", t.Parameters.Select(p => $"{p.Key}={p.Value}")),
        }));
        var widths = Enumerable.Range(0, 3).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var more = trials.Count > ranked.Count ? $"; the best {ranked.Count} by {objective}" : string.Empty;
        log.Info($"Trials: {trials.Count} ({counts}){more}");
        foreach (var row in rows)
        {
            log.Info($"  {row[0].PadRight(widths[0])}  {row[1].PadRight(widths[1])}  {row[2].PadRight(widths[2])}  {row[3]}");
        }
    }
}
