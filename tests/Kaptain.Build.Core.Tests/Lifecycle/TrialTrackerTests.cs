using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>What the tune step prints about its trials: every end once, and with many trials little else.</summary>
public sealed class TrialTrackerTests
{
    [Fact]
    public void With_many_trials_each_end_is_one_detailed_line_failures_are_shown_and_summaries_count_the_ends()
    {
        var log = new LevelLog();
        var tracker = new TrialTracker(log, plannedTrials: 205);

        for (var i = 0; i < 200; i++)
        {
            var name = $"exp-{i:000}";
            tracker.Report(Trial(name, "Created"));
            tracker.Report(Trial(name, "Running"));
            tracker.Report(Trial(name, "Succeeded"));
            tracker.Report(Trial(name, "Succeeded", ("accuracy", "0.9")));
            tracker.Report(Trial(name, "Succeeded", ("accuracy", "0.9")));
        }

        tracker.Report(Trial("exp-failed", "Running"));
        tracker.Report(Trial("exp-failed", "Failed"));
        tracker.Report(Trial("exp-failed", "Failed"));
        tracker.ReportFinalSummary();

        // A success is its end once its metrics are in (a Succeeded without them yet is a detail line of its own).
        var ends = log.Detail.Where(l => l.StartsWith("Trial ", StringComparison.Ordinal) && l.EndsWith("-> accuracy=0.9 (Succeeded)", StringComparison.Ordinal)).ToList();
        Assert.Equal(200, ends.Count);
        Assert.Equal(200, ends.Distinct().Count());
        Assert.Equal(201, tracker.Finished);

        // At normal verbosity: the failure, and a summary every SummaryEvery ends plus one for the rest.
        Assert.Equal(["Trial exp-failed: lr=0.01 (Failed)"], log.Info.Where(l => l.StartsWith("Trial ", StringComparison.Ordinal)));
        var summaries = log.Info.Where(l => l.StartsWith("Trials: ", StringComparison.Ordinal)).ToList();
        Assert.Equal((201 / tracker.SummaryEvery) + 1, summaries.Count);
        Assert.Equal("Trials: 201 of 205 finished (200 succeeded, 1 did not), 0 running or pending", summaries[^1]);
        Assert.Equal(summaries.Count + 1, log.Info.Count);
        Assert.Contains(log.Detail, l => l.EndsWith("(Running)", StringComparison.Ordinal));
    }

    [Fact]
    public void With_few_trials_every_change_is_a_line_as_before()
    {
        var log = new LevelLog();
        var tracker = new TrialTracker(log, plannedTrials: 4);

        tracker.Report(Trial("exp-a", "Created"));
        tracker.Report(Trial("exp-a", "Running"));
        tracker.Report(Trial("exp-a", "Failed"));

        Assert.Equal(["(Created)", "(Running)", "(Failed)"], log.Info.Select(l => l[l.LastIndexOf('(')..]));
        Assert.Empty(log.Detail);
    }

    private static TrialSummary Trial(string name, string state, params (string Name, string Value)[] metrics) =>
        new(name, state, [new("lr", "0.01")], [.. metrics.Select(m => new KeyValuePair<string, string>(m.Name, m.Value))]);

    private sealed class LevelLog : ILifecycleLog
    {
        public List<string> Info { get; } = [];

        public List<string> Detail { get; } = [];

        void ILifecycleLog.Info(string message) => Info.Add(message);

        void ILifecycleLog.Detail(string message) => Detail.Add(message);

        public void Warning(KaptainDiagnostic diagnostic)
        {
        }

        public void Error(KaptainDiagnostic diagnostic)
        {
        }
    }
}
