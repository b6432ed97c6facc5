namespace Kaptain.Testing;

/// <summary>Well-known paths of the repository the tests run from.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>
    /// The repository root: the first folder above the test assembly that holds <c>Kaptain.Build.sln</c> (else above
    /// the current directory, for tools built outside the repository).
    /// </summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The folder of the npm-installed test servers (<c>tests/servers</c>).</summary>
    public static string ServersDirectory => Path.Combine(Root, "tests", "servers");

    /// <summary>The <c>artifacts/</c> folder (ignored by git).</summary>
    public static string Artifacts => Path.Combine(Root, "artifacts");

    /// <summary>Combines <paramref name="relative"/> parts onto the repository root.</summary>
    public static string Combine(params string[] relative) => Path.Combine([Root, .. relative]);

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Kaptain.Build.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Kaptain.Build.sln was not found in any folder above '{AppContext.BaseDirectory}'.");
    }
}
