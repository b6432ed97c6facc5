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

    // The memory checkpoints: from the 100th end (the build warmed up), then at each summary line (every 50 ends).
    private const int FirstCheckpoint = 100;
    private const int Checkpoint = 50;
    private const string TasksAssemblyFile = "/Kaptain.Build.Tasks.dll";

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
            // At a load of 30 on 2 cores a run failed 10 simulated trials (Master replica failed); they are counted, and
            // must not end the experiment before the memory is measured over the whole run.
            ("KaptainFailedTrials", "100"),
            ("KaptainTuneTimeout", "1200"),
            ("E2EWorkloadScenario", "succeed after=50ms; metric accuracy=\"0.9-abs(lr-0.01)*10\""))
            .WithArguments("-fl", $"-flp:LogFile={detailedLog};Verbosity=detailed")
            .Start();

        // The build's memory, two ways. Every 500 ms: the resident set of its whole process tree (MSBuild, its nodes, the
        // task host), as it happens to be. And at every summary line from the 100th end on: the process that runs the
        // Kaptain tasks after a forced full collection (its resident set and managed heap), which is what it keeps.
        var samples = new List<(int Finished, long Bytes)>();
        var collected = new List<(int Finished, ProcessMemory.AfterCollection Memory)>();
        var collectionFailures = new List<string>();
        int? taskProcess = null;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            var next = FirstCheckpoint;
            while (!sampling.Token.IsCancellationRequested)
            {
                var finished = SummarisedEnds(running.Log);
                samples.Add((finished, ProcessMemory.TreeResidentBytes(running.Pid)));
                taskProcess ??= ProcessMemory.Loading(running.Pid, TasksAssemblyFile);
                if (taskProcess is { } pid && finished >= next)
                {
                    next = finished + Checkpoint;
                    try
                    {
                        collected.Add((finished, await ProcessMemory.AfterFullCollectionAsync(pid, TimeSpan.FromSeconds(30), sampling.Token)));
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        // The build may end between the summary line and the collection; the last checkpoint is then missing.
                        collectionFailures.Add(exception.GetType().Name + ": " + exception.Message.Split('\n')[0]);
                    }
                }

                try
                {
                    await Task.Delay(500, sampling.Token);
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

        // The raw tree samples: start once the first 50 trials have ended (the first summary line), end at the last sample.
        var start = samples.FirstOrDefault(s => s.Finished >= Parallel);
        var end = samples.LastOrDefault(s => s.Bytes > 0);
        var trialsBetween = Math.Max(1, end.Finished - start.Finished);
        var treeGrowthPer100 = (end.Bytes - start.Bytes) / 1048576.0 / (trialsBetween / 100.0);
        if (collected.Count < 2)
        {
            throw new BenchFailure($"the build's memory after a full collection was measured {collected.Count} times (at least 2 needed): {string.Join("; ", collectionFailures.DefaultIfEmpty("the task process was not found"))}");
        }

        var (first, last) = (collected[0], collected[^1]);
        var collectedBetween = Math.Max(1, last.Finished - first.Finished);
        var rssGrowthPer100 = (last.Memory.ResidentBytes - first.Memory.ResidentBytes) / 1048576.0 / (collectedBetween / 100.0);
        var heapGrowthPer100 = (last.Memory.ManagedHeapBytes - first.Memory.ManagedHeapBytes) / 1048576.0 / (collectedBetween / 100.0);
        var lines = log.Split('\n').Length;
        var perMinute = clusterTrials.Count / stopwatch.Elapsed.TotalMinutes;
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = clusterTrials.Count >= Trials && missed == 0 && duplicated == 0 && unknown == 0 && rssGrowthPer100 < 1 && bestRight,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{clusterTrials.Count} trials in {stopwatch.Elapsed.TotalMinutes:0.0} min ({perMinute:0} a minute), {missed} missed, {duplicated} doubled; task process after a full GC: RSS {Mb(first.Memory.ResidentBytes):0.0} MB -> {Mb(last.Memory.ResidentBytes):0.0} MB ({rssGrowthPer100:0.00} MB per 100 trials), managed heap {Mb(first.Memory.ManagedHeapBytes):0.0} MB -> {Mb(last.Memory.ManagedHeapBytes):0.0} MB ({heapGrowthPer100:0.00} MB per 100) between trial {first.Finished} and {last.Finished}; whole build tree as sampled {Mb(start.Bytes):0.0} MB -> {Mb(end.Bytes):0.0} MB; best {(bestRight ? "right" : "WRONG")} (accuracy {reportedBest}); {lines} console lines"),
            Values = new Dictionary<string, double>
            {
                ["trials"] = clusterTrials.Count,
                ["reported_trials"] = reported.Count,
                ["missed"] = missed,
                ["duplicated"] = duplicated,
                ["unknown_reported"] = unknown,
                ["failed_trials"] = ends.Count(e => e.State != "Succeeded"),
                ["rss_start_mb"] = Mb(first.Memory.ResidentBytes),
                ["rss_end_mb"] = Mb(last.Memory.ResidentBytes),
                ["rss_growth_mb_per_100_trials"] = rssGrowthPer100,
                ["managed_heap_start_mb"] = Mb(first.Memory.ManagedHeapBytes),
                ["managed_heap_end_mb"] = Mb(last.Memory.ManagedHeapBytes),
                ["managed_heap_growth_mb_per_100_trials"] = heapGrowthPer100,
                ["trials_between_collections"] = collectedBetween,
                ["collections"] = collected.Count,
                ["tree_rss_sampled_start_mb"] = Mb(start.Bytes),
                ["tree_rss_sampled_end_mb"] = Mb(end.Bytes),
                ["tree_rss_sampled_growth_mb_per_100_trials"] = treeGrowthPer100,
                ["best_right"] = bestRight ? 1 : 0,
                ["output_lines"] = lines,
                ["minutes"] = stopwatch.Elapsed.TotalMinutes,
                ["trials_per_minute"] = perMinute,
            },
            Note = string.Create(CultureInfo.InvariantCulture,
                $"the memory goal is read on the process that runs the Kaptain tasks right after a forced full collection: {rssGrowthPer100:0.00} MB of RSS and {heapGrowthPer100:0.00} MB of managed heap per 100 trials between trial {first.Finished} and {last.Finished}. The whole build tree's RSS sampled without a collection ({treeGrowthPer100:0.00} MB per 100 trials) also counts garbage not yet collected (each Experiment change, whose status names every trial, is a large string) and so depends on when the collector last ran. What bounded this figure before (6 to 16 min, and memory that grew with the run's length): s3rver answered every HeadBucket with a whole listing of the bucket, which fills with the trials' models, and the simulated training checks the bucket before each upload; s3rver now answers it at once, as S3 does (tests/servers/s3rver-start.js)."),
            Method = $"samples/mnist-pytorch copied; `dotnet build -t:KaptainTune` with KaptainTrials={Trials}, KaptainParallelTrials={Parallel}, every trial's workload scripted to succeed after 50 ms printing accuracy=0.9-abs(lr-0.01)*10 (random search over lr and optimizer). Trial reports: the build's one end line per trial (`Trial NAME: ... -> accuracy=... (Succeeded)`, a detailed-log line, counted in the `-flp:Verbosity=detailed` file log), matched against the Trials in the local cluster's store after the build; missed = trials without an end line, doubled = trials with more than one. Console lines: the build's output at `-v:n`. Memory (the goal's figure): the build's process that has loaded Kaptain.Build.Tasks.dll (the MSBuild node running the tune task; the local cluster runs in the bench's process and is not counted), at every summary line from the {FirstCheckpoint}th end on, after a full blocking collection forced over the runtime's diagnostics port (an EventPipe session with the GC heap-collect keyword, as dotnet-gcdump does): the managed heap from that collection's GCHeapStats event and VmRSS read right after it; growth = (last - first) / trials between them x 100. Also the whole build tree's VmRSS sampled every 500 ms with no collection (start at the first summary line, end at the last sample), which includes whatever the collector had not yet reclaimed. Best: best-hyperparameters.json's accuracy equals the highest accuracy of any Trial in the store, and its lr is that trial's.",
        };
    }

    // TrialTracker's summary line, every 50 ends: "Trials: N of 1000 finished (...)".
    private static double Mb(long bytes) => bytes / 1048576.0;

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

    // TrialStatus.Describe: "Trial NAME: parameters -> metrics (STATE[: reason])" for the terminal states; a success is
    // its end once its metrics are in (a Succeeded without them yet is a line of its own).
    [GeneratedRegex(@"Trial (?<trial>[a-z0-9-]+): (?:[^\n]* -> [^\n]*\((?<state>Succeeded)\)|[^\n]*\((?<state>Failed|EarlyStopped|MetricsUnavailable|Killed)[):])")]
    private static partial Regex EndLineRegex();

    [GeneratedRegex(@"Trials: (?<n>[0-9]+) of [0-9]+ finished")]
    private static partial Regex SummaryRegex();
}
