using Kaptain.LocalCluster.Operators;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>The timings of the simulation that are not scripted, and the scenario file of the cluster.</summary>
internal static class SimulationSettings
{
    /// <summary>How long a pod is Pending (being scheduled, pulling) before its containers start.</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromMilliseconds(150);

    /// <summary>The first crash-loop back-off (doubling, up to <see cref="MaxBackOff"/>); the kubelet's is 10 s to 5 min,
    /// shortened so that tests and demos see restarts quickly.</summary>
    public static readonly TimeSpan FirstBackOff = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest crash-loop back-off.</summary>
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(2);

    /// <summary>Reads the cluster's scenario file, or none.</summary>
    /// <exception cref="ScenarioFormatException">The file has a line that is not a rule.</exception>
    public static async Task<ScenarioFile> LoadScenarioFileAsync(OperatorContext context, CancellationToken cancellationToken) =>
        context.ScenarioFile is { Length: > 0 } path
            ? await ScenarioFile.LoadAsync(path, cancellationToken).ConfigureAwait(false)
            : ScenarioFile.Empty;
}
