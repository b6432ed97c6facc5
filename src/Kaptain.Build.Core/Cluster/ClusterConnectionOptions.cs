namespace Kaptain.Build.Cluster;

/// <summary>
/// What the model project says about the cluster: the <c>KaptainKubeconfig</c>, <c>KaptainKubeContext</c> and
/// <c>KaptainNamespace</c> property values. Empty values mean "use the default".
/// </summary>
public sealed record ClusterConnectionOptions
{
    /// <summary>
    /// The <c>KaptainKubeconfig</c> value: a kubeconfig file path (or a path list like <c>KUBECONFIG</c>). Relative paths
    /// are taken from the current directory, so front ends pass full paths.
    /// </summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The <c>KaptainKubeContext</c> value: the kubeconfig context to use instead of its current context.</summary>
    public string? Context { get; init; }

    /// <summary>The <c>KaptainNamespace</c> value: the namespace instead of the context's namespace or <c>default</c>.</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// How long one API request (not a watch or a log stream) may take before it counts as a transient fault and is
    /// retried.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
