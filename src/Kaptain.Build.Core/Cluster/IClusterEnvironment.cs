namespace Kaptain.Build.Cluster;

/// <summary>
/// What the connection reads from the process environment: variables, the home folder and whether the build runs in a
/// pod. Tests inject their own so that kubeconfig resolution is decided without touching the real environment.
/// </summary>
public interface IClusterEnvironment
{
    /// <summary>The value of an environment variable, or <see langword="null"/> when it is not set.</summary>
    string? GetVariable(string name);

    /// <summary>The user's home folder (where <c>.kube/config</c> lives), or <see langword="null"/> when unknown.</summary>
    string? HomeDirectory { get; }

    /// <summary>Whether the process runs in a Kubernetes pod with a mounted service account.</summary>
    bool IsInCluster { get; }
}
