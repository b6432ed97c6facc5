namespace Kaptain.Build.Model;

/// <summary>Where and how the lifecycle reaches the cluster.</summary>
/// <param name="Kubeconfig">The kubeconfig file, when set explicitly (<c>KaptainKubeconfig</c>).</param>
/// <param name="Context">The kubeconfig context, when set (<c>KaptainKubeContext</c>).</param>
/// <param name="Namespace">The namespace, when set (<c>KaptainNamespace</c>); otherwise the context's namespace, else <c>default</c>.</param>
/// <param name="ForceCleanup">Whether a step's resources are deleted even when it fails (<c>KaptainForceCleanup</c> or <c>KAPTAIN_SDK_FORCE_CLEANUP</c>).</param>
/// <param name="KeepFailedResources">Whether a failed step's resources are kept for inspection (<c>KaptainKeepFailedResources</c>).</param>
/// <param name="CreateNamespace">Whether a missing namespace is created when a step connects (<c>KaptainCreateNamespace</c>, as
/// helm's <c>--create-namespace</c>); it is never removed by the lifecycle.</param>
public sealed record ClusterSettings(
    string? Kubeconfig,
    string? Context,
    string? Namespace,
    bool ForceCleanup,
    bool KeepFailedResources,
    bool CreateNamespace = false);
