using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>The end-to-end servers with upstream kube-apiserver + kube-controller-manager (envtest assets) and the
/// simulated operators attached to it.</summary>
public sealed class RealControlPlaneServers : EndToEndServers
{
    /// <inheritdoc />
    public override LifecycleEngine Engine => LifecycleEngine.RealControlPlane;
}
