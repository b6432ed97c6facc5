using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Reports trials and the best trial as they change, the moment the watch sees them (a build log cannot redraw a table
/// in place); <see cref="ReportTable"/> prints the final table. With few trials (up to <see cref="ChattyUpTo"/>) every
/// change of every trial is a line. With more, the output is bounded by the experiment's shape rather than its size: a
/// summary line every <see cref="SummaryEvery"/> ended trials (about 20 in all), one line for every trial that did not
/// succeed, and one whenever the best trial changes; the other trial changes (Created, Running, each success) go to the
/// detailed log (<c>-v:d</c>), where every trial's end is still exactly one line. A 1,000-trial build thus prints some
/// 40 lines about its trials rather than a thousand.
/// </summary>
internal sealed class TrialTracker(ILifecycleLog log, int plannedTrials = 0)
{
    /// <summary>Up to this many planned trials, every change of every trial is an ordinary line, as before.</summary>
    public const int ChattyUpTo = 20;

    // The last line of each trial that has not ended (ended trials keep only their name, so that a thousand trials
    // cost a thousand names, not a thousand lines).
    private readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> finished = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private string? best;
    private int succeeded;
    private int summarised;

    /// <summary>Finished trials between two summary lines (a twentieth of the planned trials, at least 10).</summary>
    public int SummaryEvery { get; } = Math.Max(10, plannedTrials / 20);

    /// <summary>How many trials' ends were reported (each once).</summary>
    public int Finished
    {
        get
        {
            lock (gate)
            {
                return finished.Count;
            }
        }
    }

    public void Report(TrialSummary trial)
    {
        var line = TrialStatus.Describe(trial);
        // Katib records a succeeded trial's observation with its end; a Succeeded without metrics yet is not the end line.
        var terminal = TrialStatus.IsTerminal(trial.State) && !(trial.State == "Succeeded" && trial.Metrics.Count == 0);
        string? summary = null;
        lock (gate)
        {
            if ((seen.TryGetValue(trial.Name, out var previous) && previous == line) || finished.Contains(trial.Name))
            {
                // Unchanged, or already reported as ended: a trial's end is reported once.
                return;
            }

            seen[trial.Name] = line;
            if (terminal)
            {
                seen.Remove(trial.Name);
                finished.Add(trial.Name);
                succeeded += trial.State == "Succeeded" ? 1 : 0;
                if (plannedTrials > ChattyUpTo && finished.Count % SummaryEvery == 0)
                {
                    summary = SummaryLocked();
                    summarised = finished.Count;
                }
            }
        }

        // A failure is always a line of its own: it is what a reader has to act on.
        if (plannedTrials <= ChattyUpTo || (terminal && trial.State != "Succeeded"))
        {
            log.Info(line);
        }
        else
        {
            log.Detail(line);
        }

        if (summary is not null)
        {
            log.Info(summary);
        }
    }

    /// <summary>
    /// The summary of the ends not yet summarised (the last ones, which need not fill <see cref="SummaryEvery"/>), once
    /// the step has read the final list of trials; nothing with few trials, whose every change was a line.
    /// </summary>
    public void ReportFinalSummary()
    {
        string summary;
        lock (gate)
        {
            if (plannedTrials <= ChattyUpTo || summarised == finished.Count)
            {
                return;
            }

            summary = SummaryLocked();
            summarised = finished.Count;
        }

        log.Info(summary);
    }

    private string SummaryLocked() =>
        $"Trials: {finished.Count} of {plannedTrials} finished ({succeeded} succeeded, {finished.Count - succeeded} did not), {seen.Count} running or pending";

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
