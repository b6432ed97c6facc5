using System.Globalization;
using Kaptain.LocalCluster.Faults;

namespace Kaptain.LocalCluster.Hosting;

/// <summary>
/// The command's arguments:
/// <c>--kubeconfig &lt;path&gt; [--port N] [--scenario &lt;file&gt;] [--fault-500-rate R] [--fault-429-rate R]
/// [--fault-retry-after S] [--fault-drop-rate R] [--fault-watch-drop-rate R] [--fault-latency-ms N] [--fault-seed N]
/// [--watch-history N]</c>.
/// </summary>
public sealed record CommandLine
{
    /// <summary>Where to write the kubeconfig (embedded mode), or the kubeconfig of the cluster to attach to (<c>--attach</c>).</summary>
    public required string KubeconfigPath { get; init; }

    /// <summary>Whether to run only the simulated operators against the cluster of <see cref="KubeconfigPath"/> (<c>--attach</c>).</summary>
    public bool Attach { get; init; }

    /// <summary>With <c>--attach</c>: whether to run the simulated Job and Deployment controllers (<c>--builtin-controllers
    /// simulate|server</c>); null detects whether the server runs kube-controller-manager.</summary>
    public bool? SimulateBuiltInControllers { get; init; }

    /// <summary>The options to start the cluster with.</summary>
    public required LocalClusterOptions Options { get; init; }

    /// <summary>The usage text.</summary>
    public const string Usage = "usage: Kaptain.LocalCluster --attach <kubeconfig> [--scenario <file>] [--builtin-controllers auto|simulate|server]\n   or: Kaptain.LocalCluster --kubeconfig <path> [--port N] [--scenario <file>] [--fault-500-rate R] [--fault-429-rate R] [--fault-retry-after S] [--fault-drop-rate R] [--fault-watch-drop-rate R] [--fault-latency-ms N] [--fault-seed N] [--watch-history N]";

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An unknown or malformed argument, or no <c>--kubeconfig</c>.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? kubeconfig = null;
        string? attach = null;
        bool? builtIn = null;
        var options = new LocalClusterOptions();
        var faults = FaultOptions.None;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            double Rate() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : throw new ArgumentException($"{arg} needs a rate between 0 and 1");
            int Int() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{arg} needs a whole number");
            switch (arg)
            {
                case "--kubeconfig": kubeconfig = Value(); break;
                case "--attach": attach = Value(); break;
                case "--builtin-controllers":
                    builtIn = Value() switch
                    {
                        "auto" => null,
                        "simulate" => true,
                        "server" => false,
                        _ => throw new ArgumentException("--builtin-controllers needs auto, simulate or server"),
                    };
                    break;
                case "--port": options.Port = Int(); break;
                case "--scenario": options.ScenarioFile = Path.GetFullPath(Value()); break;
                case "--fault-500-rate": faults = faults with { InternalErrorRate = Rate() }; break;
                case "--fault-429-rate": faults = faults with { TooManyRequestsRate = Rate() }; break;
                case "--fault-retry-after": faults = faults with { RetryAfterSeconds = Int() }; break;
                case "--fault-drop-rate": faults = faults with { DropConnectionRate = Rate() }; break;
                case "--fault-watch-drop-rate": faults = faults with { WatchDropRate = Rate() }; break;
                case "--fault-latency-ms": faults = faults with { Latency = TimeSpan.FromMilliseconds(Int()) }; break;
                case "--fault-seed": options.FaultSeed = Int(); break;
                case "--watch-history": options.Store = options.Store with { WatchHistoryLimit = Int() }; break;
                default: throw new ArgumentException($"unknown argument {arg}");
            }
        }
        if (attach is not null)
        {
            if (kubeconfig is not null) throw new ArgumentException("--attach and --kubeconfig exclude each other: --attach runs only the simulated operators against the cluster its kubeconfig names");
            if (!File.Exists(attach)) throw new ArgumentException($"--attach {attach}: no such kubeconfig file");
            return new CommandLine { KubeconfigPath = Path.GetFullPath(attach), Attach = true, SimulateBuiltInControllers = builtIn, Options = options };
        }

        if (kubeconfig is null) throw new ArgumentException("--kubeconfig <path> (or --attach <kubeconfig>) is required");
        options.Faults = faults;
        return new CommandLine { KubeconfigPath = Path.GetFullPath(kubeconfig), Options = options };
    }
}
