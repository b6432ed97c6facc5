using Kaptain.Testing;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>The suite's servers with upstream kube-apiserver + kube-controller-manager (envtest assets) and the
/// simulated operators attached to it.</summary>
public sealed class RealControlPlaneReliabilityServers : ReliabilityServers
{
    /// <inheritdoc />
    public override LifecycleEngine Engine => LifecycleEngine.RealControlPlane;
}
