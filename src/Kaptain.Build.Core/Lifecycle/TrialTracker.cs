namespace Kaptain.Build.Lifecycle;

/// <summary>Reports a trial when its state or metrics change, and the best trial when it changes.</summary>
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
}
