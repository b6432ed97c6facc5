namespace Kaptain.Build.Cluster;

/// <summary>The outcome of <see cref="KubeconfigLocator.Locate"/>: which files to load (merged in order) and why.</summary>
/// <param name="Source">Where the configuration comes from.</param>
/// <param name="Files">The existing kubeconfig files, first one winning on conflicts; empty for <see cref="KubeconfigSource.InCluster"/>.</param>
public sealed record KubeconfigLocation(KubeconfigSource Source, IReadOnlyList<string> Files);
