using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;

namespace Kaptain.Build.Bench;

/// <summary>What the figures share: the task assembly, the servers, statistics and timing.</summary>
internal static class BenchEnvironment
{
    /// <summary>The task assembly the referenced task project built, in this command's configuration.</summary>
    public static string TasksAssembly
    {
        get
        {
            var configuration = typeof(BenchEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "KaptainTasksConfiguration").Value!;
            return RepositoryPaths.Combine("src", "Kaptain.Build.Tasks", "bin", configuration, "net10.0", "Kaptain.Build.Tasks.dll");
        }
    }

    public static Task<LifecycleServers> StartServersAsync(CancellationToken cancellationToken) =>
        LifecycleServers.StartAsync(TasksAssembly, scenarios: null, cancellationToken);

    /// <summary>The store's resourceVersion: one global counter that every write which changes something bumps.</summary>
    /// <summary>
    /// The mutating requests (POST, PUT, PATCH, DELETE) the local cluster's API server has answered for anyone but its
    /// simulated operators: what a build wrote. Not the cluster's resourceVersion, which the simulated kubelet moves
    /// every 10 s when it renews its Node's heartbeat, as a kubelet does.
    /// </summary>
    public static long ClusterWrites(LifecycleServers servers) => servers.Cluster.Context.MutatingRequests;

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Runs a command to its end (within <see cref="BenchLimits.Build"/>) and returns its wall time in seconds; throws
    /// with its log when it fails.
    /// </summary>
    public static async Task<double> TimeAsync(DotnetCommand command, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await BenchLimits.WithinAsync(BenchLimits.Build, command.ToString(), command.RunAsync, cancellationToken).ConfigureAwait(false);
        stopwatch.Stop();
        result.EnsureExitCode(0);
        return stopwatch.Elapsed.TotalSeconds;
    }

    public static string Seconds(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    public static string Milliseconds(double value) => value.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
