namespace Kaptain.Build.Credentials;

/// <summary>Paths that depend on the environment: the home folder and executables on <c>PATH</c>.</summary>
internal static class EnvironmentPaths
{
    /// <summary>The user's home folder from <c>HOME</c> (<c>USERPROFILE</c> on Windows), or null.</summary>
    public static string? Home(IEnvironmentVariables environment) =>
        environment.Get("HOME") ?? environment.Get("USERPROFILE");

    /// <summary>The first executable named <paramref name="name"/> in the folders of <c>PATH</c>, or null.</summary>
    public static string? FindExecutable(IEnvironmentVariables environment, string name)
    {
        var suffixes = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", ".bat", string.Empty } : [string.Empty];
        foreach (var folder in (environment.Get("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var suffix in suffixes)
            {
                var candidate = Path.Combine(folder, name + suffix);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
