using System.Globalization;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure P6 (<c>append</c>): a code change to the model (one line of the training script) until the new image is in
/// the registry, with the append builder (the base image is there) against the Kaniko path, alternated in the same run;
/// and what the append builds wrote to the cluster.
/// </summary>
internal sealed class AppendFigure : IFigure
{
    private const int Runs = 3;

    public int Number => 6;

    public string Name => "append";

    public string Title => "Code change to new image: append builder vs Kaniko";

    public string Goal => "append under 3 s, 0 cluster writes";

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var servers = await BenchEnvironment.StartServersAsync(cancellationToken);
        var project = servers.NewProject("mnist-pytorch", "bench-append");
        var script = Path.Combine(project.Directory, "mnist.py");
        var original = await File.ReadAllTextAsync(script, cancellationToken);
        var change = 0;
        async Task ChangeCodeAsync() => await File.WriteAllTextAsync(script, original + $"\n# change {++change}\n", cancellationToken);

        // The first build makes the base image (base + requirements) with Kaniko, once; it also warms both paths up.
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage"), cancellationToken);
        await ChangeCodeAsync();
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage", ("KaptainImageBuilder", "kaniko")), cancellationToken);

        var append = new List<double>();
        var appendTask = new List<double>();
        var appendRestore = new List<double>();
        var kaniko = new List<double>();
        long appendWrites = 0;
        for (var i = 0; i < Runs; i++)
        {
            await ChangeCodeAsync();
            var before = BenchEnvironment.ClusterWrites(servers);
            // Where the time goes: MSBuild's task summary gives the Kaptain task's own time and the implicit restore's.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var appended = await BenchLimits.WithinAsync(BenchLimits.Build, "the append build", project.Build("KaptainBuildImage").WithArguments("-v:m", "-clp:PerformanceSummary").RunAsync, cancellationToken);
            append.Add(clock.Elapsed.TotalSeconds);
            appended.EnsureExitCode(0);
            appendTask.Add(TaskSeconds(appended.Log, "KaptainBuildImage"));
            appendRestore.Add(TaskSeconds(appended.Log, "RestoreTask"));
            appendWrites += BenchEnvironment.ClusterWrites(servers) - before;
            var report = project.ReadRunReport("build-image");
            if (report["builder"]?.GetValue<string>() != "append")
            {
                throw new BenchFailure($"the build after a code change did not take the append path (run report builder: {report["builder"]})");
            }

            await ChangeCodeAsync();
            kaniko.Add(await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage", ("KaptainImageBuilder", "kaniko")).WithArguments("-v:m"), cancellationToken));
        }

        var appendMedian = BenchEnvironment.Median(append);
        var kanikoMedian = BenchEnvironment.Median(kaniko);
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = appendMedian < 3 && appendWrites == 0,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"append {BenchEnvironment.Seconds(appendMedian)} vs Kaniko {BenchEnvironment.Seconds(kanikoMedian)} (medians of {Runs}), {appendWrites} cluster writes in {Runs} append builds"),
            Values = new Dictionary<string, double>
            {
                ["append_s"] = appendMedian,
                ["kaniko_s"] = kanikoMedian,
                ["append_max_s"] = append.Max(),
                ["append_task_s"] = BenchEnvironment.Median(appendTask),
                ["append_restore_s"] = BenchEnvironment.Median(appendRestore),
                ["kaniko_max_s"] = kaniko.Max(),
                ["cluster_writes"] = appendWrites,
                ["runs"] = Runs,
            },
            Method = $"samples/mnist-pytorch copied; after one build that makes the base image (Kaniko, once), each run changes one line of mnist.py and times `dotnet build -t:KaptainBuildImage` to its end (the image pushed) with the default builder (append: the base's layers plus one layer of the model's files through the registry API) and, after another one-line change, with -p:KaptainImageBuilder=kaniko (context to s3rver, Secrets and a Job on the local cluster, the simulated Kaniko pushing to docker-registry). The local cluster's Kaniko is a simulation that runs no pip install and pulls no base image, so the Kaniko figure is a lower bound of a real cluster's minutes. {Runs} runs each, medians. Cluster writes: the mutating requests the local cluster's API server answered during the append builds (its simulated operators' own not counted). append_task_s and append_restore_s: the KaptainBuildImage task's and the implicit restore's times from MSBuild's task performance summary (-clp:PerformanceSummary) of the same append builds; the rest of append_s is the dotnet CLI and MSBuild starting and evaluating the project.",
            Note = string.Create(CultureInfo.InvariantCulture,
                $"of the append build's {BenchEnvironment.Seconds(appendMedian)}, the KaptainBuildImage task (checksum, base manifest, one layer and the config and manifest through the registry API) took {BenchEnvironment.Seconds(BenchEnvironment.Median(appendTask))} and the implicit restore {BenchEnvironment.Seconds(BenchEnvironment.Median(appendRestore))}; the rest is `dotnet build` starting and evaluating the project."),
        };
    }

    // A line of MSBuild's "Task Performance Summary": "      123 ms  KaptainBuildImage    1 calls".
    private static double TaskSeconds(string log, string task)
    {
        var summary = log.IndexOf("Task Performance Summary:", StringComparison.Ordinal);
        if (summary < 0)
        {
            throw new BenchFailure("the append build printed no task performance summary (-clp:PerformanceSummary)");
        }

        foreach (var line in log[summary..].Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is [var ms, "ms", var name, ..] && name == task && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value / 1000;
            }
        }

        return 0;
    }
}
