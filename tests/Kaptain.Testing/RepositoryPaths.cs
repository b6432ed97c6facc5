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

    /// <summary>
    /// The <c>shared/</c> folder beside the repository (CI clones the repository with a copy of it beside;
    /// <c>KAPTAIN_SHARED_DIR</c> names another): the real CRDs (<c>crds/</c>) and the envtest scripts (<c>envtest/</c>).
    /// From a git worktree nested deeper, the first <c>shared/</c> with a <c>crds/</c> folder above the root is taken.
    /// </summary>
    public static string Shared
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("KAPTAIN_SHARED_DIR");
            if (!string.IsNullOrEmpty(configured))
            {
                return Path.GetFullPath(configured);
            }

            for (var directory = new DirectoryInfo(Root).Parent; directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "shared");
                if (Directory.Exists(Path.Combine(candidate, "crds")))
                {
                    return candidate;
                }
            }

            return Path.GetFullPath(Path.Combine(Root, "..", "shared"));
        }
    }

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
