namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// The envtest assets directory (the <c>KUBEBUILDER_ASSETS</c> convention of controller-runtime's envtest): the
/// <c>etcd</c>, <c>kube-apiserver</c> and, when <c>../shared/envtest/build.sh</c> made it, <c>kube-controller-manager</c>
/// binaries of one Kubernetes version.
/// </summary>
public sealed class EnvtestAssets
{
    /// <summary>The variable that names the assets directory.</summary>
    public const string Variable = "KUBEBUILDER_ASSETS";

    /// <summary>The Kubernetes version the project's tests are written against.</summary>
    public const string Version = "1.20.2";

    /// <summary>How to get the assets, for the skip reason.</summary>
    public const string HowToGet =
        "Build them with ../shared/envtest/build.sh (root and apt; ./build.sh --target=Test runs it), " +
        "or point KUBEBUILDER_ASSETS at the folder that `setup-envtest use -p path 1.20.x` prints.";

    private EnvtestAssets(string directory) => Directory = directory;

    /// <summary>The assets folder.</summary>
    public string Directory { get; }

    /// <summary>The etcd binary.</summary>
    public string Etcd => Path.Combine(Directory, "etcd");

    /// <summary>The kube-apiserver binary.</summary>
    public string KubeApiServer => Path.Combine(Directory, "kube-apiserver");

    /// <summary>The kube-controller-manager binary.</summary>
    public string KubeControllerManager => Path.Combine(Directory, "kube-controller-manager");

    /// <summary>
    /// Whether the assets have kube-controller-manager (setup-envtest's do not: then nothing runs the Job, garbage
    /// collector, namespace or service-account controllers, and the simulated ones have to).
    /// </summary>
    public bool HasControllerManager => IsExecutable(KubeControllerManager);

    /// <summary>The default folder: <c>$HOME/.cache/kaptain-envtest/v1.20.2</c>.</summary>
    public static string DefaultDirectory => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kaptain-envtest", "v" + Version);

    /// <summary>
    /// Finds the assets (<c>KUBEBUILDER_ASSETS</c>, else <see cref="DefaultDirectory"/>); null with the reason when there
    /// are none.
    /// </summary>
    public static EnvtestAssets? Find(out string reason)
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        var directory = string.IsNullOrEmpty(configured) ? DefaultDirectory : configured;
        var assets = new EnvtestAssets(directory);
        var missing = new[] { assets.Etcd, assets.KubeApiServer }.Where(f => !IsExecutable(f)).ToList();
        if (missing.Count > 0)
        {
            var source = string.IsNullOrEmpty(configured) ? $"{Variable} is not set and the default folder" : Variable;
            reason = $"No real control plane: {source} ({directory}) lacks {string.Join(" and ", missing.Select(Path.GetFileName))}. {HowToGet}";
            return null;
        }

        reason = assets.HasControllerManager
            ? ""
            : $"The assets in {directory} have no kube-controller-manager (setup-envtest layout): no Job, garbage collector, " +
              "namespace or service-account controller runs; the fixture creates each namespace's default ServiceAccount itself.";
        return assets;
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0);
}
