using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>The end-to-end servers with the local cluster (the stand-in API server and the simulated operators) in this process.</summary>
public sealed class LocalClusterServers : EndToEndServers
{
    /// <inheritdoc />
    public override LifecycleEngine Engine => LifecycleEngine.LocalCluster;
}
