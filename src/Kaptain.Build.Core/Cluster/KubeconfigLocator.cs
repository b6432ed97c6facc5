using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Decides which kubeconfig a build uses, in the order kubectl users expect: the <c>KaptainKubeconfig</c> property,
/// else <c>KUBECONFIG</c> (a path list, merged with the first file winning), else <c>~/.kube/config</c>, else the pod's
/// service account when the build runs in a cluster.
/// </summary>
public static class KubeconfigLocator
{
    /// <summary>The environment variable kubectl reads.</summary>
    public const string KubeconfigVariable = "KUBECONFIG";

    /// <summary>Finds the kubeconfig files to load.</summary>
    /// <exception cref="KaptainException">
    /// <c>KAPT1001</c> when nothing was found; <c>KAPT1002</c> when an explicitly named file does not exist.
    /// </exception>
    public static KubeconfigLocation Locate(ClusterConnectionOptions options, IClusterEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);

        if (!string.IsNullOrWhiteSpace(options.Kubeconfig))
        {
            return FromList(options.Kubeconfig, KubeconfigSource.Property, "KaptainKubeconfig");
        }

        var variable = environment.GetVariable(KubeconfigVariable);
        if (!string.IsNullOrWhiteSpace(variable))
        {
            return FromList(variable, KubeconfigSource.EnvironmentVariable, KubeconfigVariable);
        }

        string? homeConfig = null;
        if (environment.HomeDirectory is { } home)
        {
            homeConfig = Path.Combine(home, ".kube", "config");
            if (File.Exists(homeConfig))
            {
                return new KubeconfigLocation(KubeconfigSource.HomeDirectory, [homeConfig]);
            }
        }

        if (environment.IsInCluster)
        {
            return new KubeconfigLocation(KubeconfigSource.InCluster, []);
        }

        throw new KaptainException(KaptainDiagnostic.Error(
            "KAPT1001",
            "KaptainKubeconfig",
            homeConfig ?? "~/.kube/config"));
    }

    private static KubeconfigLocation FromList(string list, KubeconfigSource source, string origin)
    {
        // kubectl ignores empty entries and missing files in a list, and merges the rest with the first file winning.
        var candidates = list
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(path => Path.GetFullPath(path.Trim('"')))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var existing = candidates.Where(File.Exists).ToList();
        if (existing.Count == 0)
        {
            throw new KaptainException(KaptainDiagnostic.Error(
                "KAPT1002",
                origin,
                origin,
                candidates.Count == 0 ? list : string.Join(", ", candidates)));
        }

        return new KubeconfigLocation(source, existing);
    }
}
