using Kaptain.Build.Cluster;
using Kaptain.Build.Credentials;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The environment a step reads (<see cref="LifecycleOptions.Environment"/>, else the process's), in the shapes the
/// cluster connection and the credential resolvers take.
/// </summary>
internal sealed class LifecycleEnvironment : IClusterEnvironment, IEnvironmentVariables
{
    private readonly IReadOnlyDictionary<string, string>? variables;

    public LifecycleEnvironment(IReadOnlyDictionary<string, string>? variables) => this.variables = variables;

    /// <inheritdoc />
    public string? GetVariable(string name)
    {
        if (variables is null)
        {
            return ProcessClusterEnvironment.Instance.GetVariable(name) is { Length: > 0 } value ? value : null;
        }

        return variables.TryGetValue(name, out var given) && given.Length > 0 ? given : null;
    }

    /// <inheritdoc />
    public string? Get(string name) => GetVariable(name);

    /// <inheritdoc />
    public string? HomeDirectory =>
        variables is null
            ? ProcessClusterEnvironment.Instance.HomeDirectory
            : GetVariable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME");

    /// <inheritdoc />
    public bool IsInCluster =>
        variables is null ? ProcessClusterEnvironment.Instance.IsInCluster : GetVariable("KUBERNETES_SERVICE_HOST") is not null;
}
