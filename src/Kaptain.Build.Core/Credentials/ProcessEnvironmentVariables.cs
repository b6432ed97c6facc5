namespace Kaptain.Build.Credentials;

/// <summary>The environment of the current process.</summary>
public sealed class ProcessEnvironmentVariables : IEnvironmentVariables
{
    private ProcessEnvironmentVariables()
    {
    }

    /// <summary>The one instance.</summary>
    public static ProcessEnvironmentVariables Instance { get; } = new();

    /// <inheritdoc />
    public string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
