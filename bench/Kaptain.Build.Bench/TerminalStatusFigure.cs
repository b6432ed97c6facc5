using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Storage;
using Kaptain.Testing;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure 3: the time from a training job's terminal status (written by the simulated operator, seen here through an
/// in-process watch of the store) to the build printing that it noticed (the step's line that names the job's final
/// state, as it arrives on the build's output).
/// </summary>
internal sealed class TerminalStatusFigure : IFigure
{
    private const int Runs = 5;

    public int Number => 3;

    public string Name => "terminal-status";

    public string Goal => "under 50 ms";

    public string Title => "Job terminal status to the build noticing it";

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var servers = await BenchEnvironment.StartServersAsync(cancellationToken);
        var project = servers.NewProject("mnist-pytorch", "bench-terminal");
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage"), cancellationToken);
        var jobType = servers.Cluster.Store.Resources.Get("kubeflow.org/v1", "PyTorchJob");

        var latencies = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var terminal = WatchForTerminalAsync(servers, jobType, project.Namespace, watching.Token);
            await using var running = project.Build("KaptainTrain", ("E2EWorkloadScenario", "succeed after=2s"), ("KaptainForceCleanup", "true")).Start();
            var (jobName, terminalAt) = await BenchLimits.WithinAsync(BenchLimits.Build, "the training job reaching Succeeded", token => terminal.WaitAsync(token), cancellationToken);
            await BenchLimits.WithinAsync(BenchLimits.Line, "the build printing the job's end", token => running.WaitForLineAsync(line => line.Contains(jobName, StringComparison.Ordinal) && line.Contains("Succeeded", StringComparison.Ordinal), token), cancellationToken);
            var noticedAt = Stopwatch.GetTimestamp();
            latencies.Add(Stopwatch.GetElapsedTime(terminalAt, noticedAt).TotalMilliseconds);
            (await BenchLimits.WithinAsync(BenchLimits.Build, "the training build's exit", running.WaitForExitAsync, cancellationToken)).EnsureExitCode(0);
            await watching.CancelAsync();
        }

        var median = BenchEnvironment.Median(latencies);
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = median < 50,
            Summary = string.Create(CultureInfo.InvariantCulture, $"median {median:0} ms, max {latencies.Max():0} ms over {Runs} jobs"),
            Values = new Dictionary<string, double>
            {
                ["median_ms"] = median,
                ["min_ms"] = latencies.Min(),
                ["max_ms"] = latencies.Max(),
                ["runs"] = Runs,
            },
            Method = $"`dotnet build -t:KaptainTrain` of samples/mnist-pytorch (PyTorchJob, workload scripted to succeed after 2 s), {Runs} runs. From the moment the in-process store watch delivers the job's Succeeded condition to the moment the build's output line naming the job and Succeeded is read by this process.",
        };
    }

    private static async Task<(string Name, long At)> WatchForTerminalAsync(LifecycleServers servers, Kaptain.LocalCluster.Api.ResourceType type, string ns, CancellationToken cancellationToken)
    {
        var start = servers.Cluster.Store.List(type, ns).ResourceVersion;
        await foreach (var change in servers.Cluster.Store.WatchAsync(type, ns, new WatchRequest { ResourceVersion = start }, cancellationToken))
        {
            if (change.Object is JsonObject job && IsSucceeded(job))
            {
                return (job["metadata"]!["name"]!.GetValue<string>(), Stopwatch.GetTimestamp());
            }
        }

        throw new InvalidOperationException("The watch ended before the job succeeded.");
    }

    private static bool IsSucceeded(JsonObject job) =>
        (job["status"]?["conditions"]?.AsArray() ?? []).Any(c => c?["type"]?.GetValue<string>() == "Succeeded" && c["status"]?.GetValue<string>() == "True");
}
