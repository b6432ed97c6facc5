using Kaptain.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(Cake.Kaptain.Tests.PackedAddin))]

namespace Cake.Kaptain.Tests;

/// <summary>
/// The Cake.Kaptain package, packed once per test run into a feed of its own, and a fresh Cake addins folder, so that
/// every <c>dotnet cake</c> run installs the addin from this build rather than from a cache.
/// </summary>
public sealed class PackedAddin : IAsyncLifetime
{
    /// <summary>The version the samples' <c>#addin</c> directive pins.</summary>
    public const string Version = "0.1.0";

    public string Root { get; } = Directory.CreateTempSubdirectory("cake-kaptain-tests-").FullName;

    public string Feed => Path.Combine(Root, "feed");

    public string Addins => Path.Combine(Root, "addins");

    public async ValueTask InitializeAsync()
    {
        var result = await new DotnetCommand(
                "pack", RepositoryPaths.Combine("src", "Cake.Kaptain", "Cake.Kaptain.csproj"), "-c", "Release",
                $"-p:PackageVersion={Version}", "-o", Feed)
            .RunAsync(CancellationToken.None);
        result.EnsureExitCode();
        Assert.True(File.Exists(Path.Combine(Feed, $"Cake.Kaptain.{Version}.nupkg")), result.Log);
    }

    /// <summary>A <c>dotnet cake</c> run of a script with this package as the only addin source.</summary>
    public DotnetCommand Cake(string script, params IEnumerable<string> arguments) =>
        new DotnetCommand(["cake", script, $"--nuget_source={Feed}", $"--paths_addins={Addins}", "--verbosity=normal", .. arguments])
        {
            // The local tool manifest (.config/dotnet-tools.json) is found from the repository.
            WorkingDirectory = RepositoryPaths.Root,
        }.WithEnvironment("NO_COLOR", "1"); // plain log lines to assert on

    /// <summary>Copies a sample model project to a fresh folder (without the source tree's wiring) and returns its project file.</summary>
    public string CopySample(string sample)
    {
        var source = RepositoryPaths.Combine("samples", sample);
        var destination = Path.Combine(Root, sample + "-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(destination, relative))!);
            File.Copy(file, Path.Combine(destination, relative));
        }

        return Directory.EnumerateFiles(destination, "*.proj").Single();
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process of a failed test may still hold a file; the folder is under the temp directory.
        }

        return ValueTask.CompletedTask;
    }
}
