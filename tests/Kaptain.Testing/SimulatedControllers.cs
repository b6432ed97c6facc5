using Kaptain.LocalCluster.Hosting;

namespace Kaptain.Testing;

/// <summary>The local cluster's simulated controllers, as its command adds them (see src/Kaptain.LocalCluster/Program.cs).</summary>
internal static class SimulatedControllers
{
    public static void AddTo(LocalClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
    }
}
