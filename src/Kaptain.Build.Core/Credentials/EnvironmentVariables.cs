namespace Kaptain.Build.Credentials;

/// <summary>Environment variables given as a dictionary (tests, or a front end that passes its own environment).</summary>
public sealed class EnvironmentVariables : IEnvironmentVariables
{
    private readonly IReadOnlyDictionary<string, string> variables;

    /// <summary>Creates the environment from <paramref name="variables"/>; names are case-sensitive, as on Linux.</summary>
    public EnvironmentVariables(IReadOnlyDictionary<string, string> variables) => this.variables = variables;

    /// <inheritdoc />
    public string? Get(string name) => variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
