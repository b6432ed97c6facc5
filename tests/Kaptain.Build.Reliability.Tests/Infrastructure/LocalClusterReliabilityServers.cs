using Kaptain.Testing;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>The suite's servers with the local cluster (the stand-in API server and the simulated operators) in this process.</summary>
public sealed class LocalClusterReliabilityServers : ReliabilityServers
{
    /// <inheritdoc />
    public override LifecycleEngine Engine => LifecycleEngine.LocalCluster;
}
