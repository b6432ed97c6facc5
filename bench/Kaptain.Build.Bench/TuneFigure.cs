using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure P5 (<c>tune-1000</c>): <c>dotnet build -t:KaptainTune</c> of a sample with 1,000 trials, 50 at a time, followed
/// to the end on the local cluster: every trial's end reported exactly once, the build's memory flat, the best
/// hyperparameters the ones of the best trial the cluster holds, and the console output short (a summary line every 50
/// ends; each trial's end is a line of the detailed log, which a file logger writes at <c>-v:d</c> for the count).
/// </summary>
internal sealed partial class TuneFigure : IFigure
{
    private const int Trials = 1000;
    private const int Parallel = 50;

    public int Number => 5;

    public string Name => "tune-1000";

    public string Title => "Tune with 1,000 trials, 50 at a time";

    public string Goal => "no missed or doubled trial report, RSS growth < 1 MB per 100 trials, best hyperparameters right";

    public TimeSpan TimeLimit => TimeSpan.FromMinutes(25);

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var servers = await BenchEnvironment.StartServersAsync(cancellationToken);
        var project = servers.NewProject("mnist-pytorch", "bench-tune");
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage"), cancellationToken);

        var detailedLog = Path.Combine(project.Directory, "tune-detailed.log");
        var stopwatch = Stopwatch.StartNew();
        await using var running = project.Build(
            "KaptainTune",
            ("KaptainTrials", Trials.ToString(CultureInfo.InvariantCulture)),
            ("KaptainParallelTrials", Parallel.ToString(CultureInfo.InvariantCulture)),
            ("KaptainFailedTrials", "10"),
            ("KaptainTuneTimeout", "1200"),
            ("E2EWorkloadScenario", "succeed after=50ms; metric accuracy=\"0.9-abs(lr-0.01)*10\""))
            .WithArguments("-fl", $"-flp:LogFile={detailedLog};Verbosity=detailed")
            .Start();

        // The build's memory: the resident set of its process tree (MSBuild and the task host), sampled every second.
        var samples = new List<(int Finished, long Bytes)>();
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.Token.IsCancellationRequested)
            {
                var finished = SummarisedEnds(running.Log);
                samples.Add((finished, TreeResidentBytes(running.Pid)));
                try
                {
                    await Task.Delay(1000, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

        Kaptain.Testing.DotnetCommandResult result;
        try
        {
            result = await BenchLimits.WithinAsync(TimeSpan.FromMinutes(20), "the 1,000-trial tune", running.WaitForExitAsync, cancellationToken);
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
        }

        stopwatch.Stop();
        result.EnsureExitCode(0);
        var log = result.Log;

        // Every trial the cluster holds, and its objective value.
        var store = servers.Cluster.Store;
        var trialType = store.Resources.Get("kubeflow.org/v1beta1", "Trial");
        var clusterTrials = store.List(trialType, project.Namespace).Items.OfType<JsonObject>()
            .ToDictionary(t => t["metadata"]!["name"]!.GetValue<string>(), t => t, StringComparer.Ordinal);
        var ends = EndLines(await File.ReadAllTextAsync(detailedLog, cancellationToken));
        var reported = ends.GroupBy(e => e.Trial, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var missed = clusterTrials.Keys.Count(name => !reported.ContainsKey(name));
        var duplicated = reported.Count(r => r.Value > 1);
        var unknown = reported.Keys.Count(name => !clusterTrials.ContainsKey(name));

        var best = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(project.KaptainDirectory, "best-hyperparameters.json"), cancellationToken))!;
        var accuracies = clusterTrials.Values.Select(t => (Name: t["metadata"]!["name"]!.GetValue<string>(), Value: Accuracy(t))).Where(t => t.Value is not null).ToList();
        var top = accuracies.MaxBy(t => t.Value!.Value);
        var reportedBest = double.Parse(best["metrics"]!["accuracy"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var bestRight = top.Value is { } max && Math.Abs(max - reportedBest) < 1e-9
            && best["hyperparameters"]!["lr"]!.GetValue<string>() == Assignment(clusterTrials[best["trial"]!.GetValue<string>()], "lr");

        // Start: once the first 50 trials have ended (the first summary line: the build is fully warmed up); end: the last sample.
        var start = samples.FirstOrDefault(s => s.Finished >= Parallel);
        var end = samples.LastOrDefault(s => s.Bytes > 0);
        var trialsBetween = Math.Max(1, end.Finished - start.Finished);
        var growthPer100 = (end.Bytes - start.Bytes) / 1024.0 / 1024.0 / (trialsBetween / 100.0);
        var lines = log.Split('\n').Length;
        var perMinute = clusterTrials.Count / stopwatch.Elapsed.TotalMinutes;
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = clusterTrials.Count >= Trials && missed == 0 && duplicated == 0 && unknown == 0 && growthPer100 < 1 && bestRight,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{clusterTrials.Count} trials in {stopwatch.Elapsed.TotalMinutes:0.0} min ({perMinute:0} a minute), {missed} missed, {duplicated} doubled; RSS {start.Bytes / 1048576.0:0} MB -> {end.Bytes / 1048576.0:0} MB ({growthPer100:0.00} MB per 100 trials); best {(bestRight ? "right" : "WRONG")} (accuracy {reportedBest}); {lines} console lines"),
            Values = new Dictionary<string, double>
            {
                ["trials"] = clusterTrials.Count,
                ["reported_trials"] = reported.Count,
                ["missed"] = missed,
                ["duplicated"] = duplicated,
                ["unknown_reported"] = unknown,
                ["rss_start_mb"] = start.Bytes / 1048576.0,
                ["rss_end_mb"] = end.Bytes / 1048576.0,
                ["rss_growth_mb_per_100_trials"] = growthPer100,
                ["trials_between_rss_samples"] = trialsBetween,
                ["best_right"] = bestRight ? 1 : 0,
                ["output_lines"] = lines,
                ["minutes"] = stopwatch.Elapsed.TotalMinutes,
                ["trials_per_minute"] = perMinute,
            },
            Method = $"samples/mnist-pytorch copied; `dotnet build -t:KaptainTune` with KaptainTrials={Trials}, KaptainParallelTrials={Parallel}, every trial's workload scripted to succeed after 50 ms printing accuracy=0.9-abs(lr-0.01)*10 (random search over lr and optimizer). Trial reports: the build's one end line per trial (`Trial NAME: ... -> accuracy=... (Succeeded)`, a detailed-log line, counted in the `-flp:Verbosity=detailed` file log), matched against the Trials in the local cluster's store after the build; missed = trials without an end line, doubled = trials with more than one. Console lines: the build's output at `-v:n`. RSS: the resident set of the build's process tree (from /proc), sampled every second; start at the first summary line ({Parallel} trials ended), end at the last sample before exit. Best: best-hyperparameters.json's accuracy equals the highest accuracy of any Trial in the store, and its lr is that trial's.",
        };
    }

    // TrialTracker's summary line, every 50 ends: "Trials: N of 1000 finished (...)".
    private static int SummarisedEnds(string log) =>
        SummaryRegex().Matches(log) is { Count: > 0 } matches ? int.Parse(matches[^1].Groups["n"].Value, CultureInfo.InvariantCulture) : 0;

    private static List<(string Trial, string State)> EndLines(string log) =>
        EndLineRegex().Matches(log).Select(m => (m.Groups["trial"].Value, m.Groups["state"].Value)).ToList();

    private static double? Accuracy(JsonObject trial) =>
        (trial["status"]?["observation"]?["metrics"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .Where(m => m["name"]?.GetValue<string>() == "accuracy")
        .Select(m => double.TryParse(m["latest"]?.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null)
        .FirstOrDefault();

    private static string? Assignment(JsonObject trial, string name) =>
        (trial["spec"]?["parameterAssignments"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .FirstOrDefault(a => a["name"]?.GetValue<string>() == name)?["value"]?.ToString();

    private static long TreeResidentBytes(int root)
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

        long total = 0;
        foreach (var pid in parents.Keys.Where(pid => IsDescendant(pid, root, parents)))
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                total += line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
            }
        }

        return total;
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

    // TrialStatus.Describe: "Trial NAME: parameters -> metrics (STATE[: reason])" for the terminal states; a success is
    // its end once its metrics are in (a Succeeded without them yet is a line of its own).
    [GeneratedRegex(@"Trial (?<trial>[a-z0-9-]+): (?:[^\n]* -> [^\n]*\((?<state>Succeeded)\)|[^\n]*\((?<state>Failed|EarlyStopped|MetricsUnavailable|Killed)[):])")]
    private static partial Regex EndLineRegex();

    [GeneratedRegex(@"Trials: (?<n>[0-9]+) of [0-9]+ finished")]
    private static partial Regex SummaryRegex();
}
