namespace Kaptain.Testing;

/// <summary>The cluster a lifecycle suite runs against (one abstract suite, run once per engine).</summary>
public enum LifecycleEngine
{
    /// <summary>The local cluster (the stand-in API server with the simulated operators) in the test process.</summary>
    LocalCluster,

    /// <summary>Upstream kube-apiserver + kube-controller-manager from the envtest assets, with the simulated operators attached.</summary>
    RealControlPlane,
}
