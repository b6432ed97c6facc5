using k8s;

namespace Kaptain.Build.Cluster;

/// <summary>The real environment of the running process.</summary>
public sealed class ProcessClusterEnvironment : IClusterEnvironment
{
    /// <summary>The one instance.</summary>
    public static ProcessClusterEnvironment Instance { get; } = new();

    private ProcessClusterEnvironment()
    {
    }

    /// <inheritdoc />
    public string? GetVariable(string name) => Environment.GetEnvironmentVariable(name);

    /// <inheritdoc />
    public string? HomeDirectory
    {
        get
        {
            // kubectl reads HOME (USERPROFILE on Windows) before falling back to the OS profile folder.
            var home = Environment.GetEnvironmentVariable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME");
            if (string.IsNullOrEmpty(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }

            return string.IsNullOrEmpty(home) ? null : home;
        }
    }

    /// <inheritdoc />
    public bool IsInCluster => KubernetesClientConfiguration.IsInCluster();
}
