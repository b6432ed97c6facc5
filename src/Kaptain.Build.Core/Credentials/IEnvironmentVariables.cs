namespace Kaptain.Build.Credentials;

/// <summary>
/// Reads environment variables. The core reads credentials and switches through this, so tests and front ends can
/// give their own values instead of the process environment.
/// </summary>
public interface IEnvironmentVariables
{
    /// <summary>The value of <paramref name="name"/>, or null when it is not set or empty.</summary>
    string? Get(string name);
}
