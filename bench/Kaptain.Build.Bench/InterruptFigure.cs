using System.Diagnostics;
using System.Globalization;
using Kaptain.Testing;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure 4: the time from SIGINT (what Ctrl+C sends) to a running training build's last created resource being gone
/// from the cluster, and to the build's exit.
/// </summary>
internal sealed class InterruptFigure : IFigure
{
    private const int Runs = 3;

    public int Number => 4;

    public string Name => "interrupt";

    public string Goal => "under 3 s (local cluster; P4 (real) measures it on the real control plane)";

    public string Title => "SIGINT to the last created resource gone";

    /// <summary>How long after SIGINT the figure waits for the namespace to empty and the build to exit.</summary>
    private static readonly TimeSpan AfterInterrupt = TimeSpan.FromSeconds(60);

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        if (BenchLimits.SigIntIgnored())
        {
            // The builds started below would inherit the ignored disposition and never see the SIGINT sent to them.
            throw new BenchFailure("SIGINT is ignored in this process (SigIgn in /proc/self/status), so the builds it starts ignore it too; run the bench in the foreground");
        }

        await using var servers = await BenchEnvironment.StartServersAsync(cancellationToken);
        var project = servers.NewProject("mnist-pytorch", "bench-interrupt");
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage"), cancellationToken);

        var gone = new List<double>();
        var exited = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            await using var running = project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")).Start();
            await BenchLimits.WithinAsync(BenchLimits.Line, "the training build printing its first epoch", token => running.WaitForLineAsync("epoch 1 started", token), cancellationToken);
            if (servers.ResourcesIn(project.Namespace).All.Count == 0)
            {
                throw new InvalidOperationException("The training run created nothing before it was interrupted.");
            }

            var interruptedAt = Stopwatch.GetTimestamp();
            running.Interrupt();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(AfterInterrupt);
            var exit = running.WaitForExitAsync(bounded.Token);

            // The store is in this process: reading it every few milliseconds costs nothing and adds at most that much.
            while (servers.ResourcesIn(project.Namespace).All.Count > 0)
            {
                if (Stopwatch.GetElapsedTime(interruptedAt) > AfterInterrupt)
                {
                    throw new BenchFailure(string.Create(CultureInfo.InvariantCulture,
                        $"{AfterInterrupt.TotalSeconds:0} s after SIGINT the namespace still holds {servers.ResourcesIn(project.Namespace).All.Count} resources (the build {(exit.IsCompleted ? "ended" : "is still running")})"));
                }

                await Task.Delay(5, cancellationToken);
            }

            gone.Add(Stopwatch.GetElapsedTime(interruptedAt).TotalSeconds);
            try
            {
                await exit;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BenchFailure(string.Create(CultureInfo.InvariantCulture, $"the build did not exit within {AfterInterrupt.TotalSeconds:0} s of SIGINT"));
            }

            exited.Add(Stopwatch.GetElapsedTime(interruptedAt).TotalSeconds);
        }

        var median = BenchEnvironment.Median(gone);
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = gone.Max() < 3,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"median {median:0.00} s, max {gone.Max():0.00} s to nothing left; build exited after {BenchEnvironment.Median(exited):0.00} s (median)"),
            Values = new Dictionary<string, double>
            {
                ["gone_median_s"] = median,
                ["gone_max_s"] = gone.Max(),
                ["exit_median_s"] = BenchEnvironment.Median(exited),
                ["runs"] = Runs,
            },
            Method = $"`dotnet build -t:KaptainTrain` of samples/mnist-pytorch with a workload that never ends; SIGINT once its pods print their first line; until the model's namespace in the local cluster holds nothing (read from the in-process store every 5 ms). {Runs} runs.",
        };
    }
}
