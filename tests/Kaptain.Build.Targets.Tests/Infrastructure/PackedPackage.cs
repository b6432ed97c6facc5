using System.Collections.Concurrent;
using Kaptain.Testing;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// The Kaptain.Build package, packed once per test run from the source tree with a version of its own
/// (<c>0.1.0-test.{ticks}</c>) into a feed folder of its own; the other shipped packages (<see cref="ShippedPackage"/>)
/// are packed into the same feed with the same version when a test asks for them (<see cref="PackAsync"/>).
/// Consumers restore it into a packages folder of this run (with the user's global packages folder as a read-only
/// fallback for everything else), so the user's cache never holds a test build of Kaptain.Build and no stale package is
/// ever picked up.
/// </summary>
internal sealed class PackedPackage
{
    private static readonly Lazy<Task<PackedPackage>> Instance = new(PackKaptainBuildAsync);
    private static string? _root;

    // One pack at a time: Kaptain.Build and Cake.Kaptain both build Kaptain.Build.Core, and two builds of it at once
    // would race on its obj/ folder.
    private static readonly SemaphoreSlim PackOneAtATime = new(1, 1);
    private readonly ConcurrentDictionary<string, Lazy<Task<PackResult>>> _packs = new(StringComparer.Ordinal);

    private PackedPackage(string root, string version)
    {
        Root = root;
        Version = version;
    }

    /// <summary>The folder of this run: <c>feed/</c>, <c>packages/</c> and the samples' copies.</summary>
    public string Root { get; }

    public string Version { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string PackagesFolder => Path.Combine(Root, "packages");

    public string PackageFile => FileOf(ShippedPackage.KaptainBuild);

    /// <summary>The .nupkg of <paramref name="package"/> in the feed (packed or not).</summary>
    public string FileOf(ShippedPackage package) => Path.Combine(Feed, $"{package.Id}.{Version}.nupkg");

    public static Task<PackedPackage> GetAsync() => Instance.Value;

    /// <summary>Deletes this run's folder (feed, packages, sample copies) if the package was packed.</summary>
    public static void DeleteIfPacked()
    {
        if (_root is { } root && Directory.Exists(root))
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleanup.
            }
        }
    }

    /// <summary>
    /// Packs <paramref name="package"/> into this run's feed once (later calls get the same result): the .nupkg and the
    /// log of <c>dotnet pack</c>.
    /// </summary>
    public Task<PackResult> PackAsync(ShippedPackage package) =>
        _packs.GetOrAdd(package.Id, _ => new Lazy<Task<PackResult>>(() => RunPackAsync(package))).Value;

    private static async Task<PackedPackage> PackKaptainBuildAsync()
    {
        var version = $"0.1.0-test.{DateTime.UtcNow.Ticks}";
        var root = Path.Combine(Path.GetTempPath(), "kaptain-tests", "package-" + version);
        _root = root;
        var package = new PackedPackage(root, version);
        Directory.CreateDirectory(package.Feed);
        Directory.CreateDirectory(package.PackagesFolder);
        await package.PackAsync(ShippedPackage.KaptainBuild);
        return package;
    }

    private async Task<PackResult> RunPackAsync(ShippedPackage package)
    {
        DotnetCommandResult result;
        await PackOneAtATime.WaitAsync();
        try
        {
            // PackageVersion (not Version) so the assemblies are not rebuilt for each run.
            result = await new DotnetCommand(
                    "pack", package.Project, "-c", Repository.Configuration, $"-p:PackageVersion={Version}", "-o", Feed, "-tl:off", "-nologo")
                .RunAsync(CancellationToken.None);
        }
        finally
        {
            PackOneAtATime.Release();
        }

        result.EnsureExitCode();
        var file = FileOf(package);
        Assert.True(File.Exists(file), $"{file} was not produced.{Environment.NewLine}{result.Log}");
        return new PackResult(file, result.Log);
    }

    /// <summary>
    /// Copies a sample into a fresh folder of this run, without the source tree's development wiring, and makes it
    /// consume this package: a nuget.config adding the feed (the machine's sources stay) and a PackageReference.
    /// </summary>
    public string CopySample(string sample)
    {
        var destination = Path.Combine(Root, "samples", sample + "-" + Guid.NewGuid().ToString("N")[..8]);
        TempDirectory.CopyDirectory(
            Path.Combine(Repository.Samples, sample),
            destination,
            relative => !relative.StartsWith("obj", StringComparison.Ordinal) && !relative.StartsWith("bin", StringComparison.Ordinal));

        WriteNuGetConfig(destination);

        // A model project outside this repository: nothing above it is ours, so these are the only build files.
        File.WriteAllText(Path.Combine(destination, "Directory.Build.props"), $"""
            <Project>
              <ItemGroup>
                <PackageReference Include="Kaptain.Build" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        return destination;
    }

    /// <summary>
    /// Writes the nuget.config of a consumer in <paramref name="directory"/>: this run's feed and packages folder, the
    /// machine's sources and the user's packages folder as a read-only fallback.
    /// </summary>
    public void WriteNuGetConfig(string directory)
    {
        var fallback = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var fallbackLine = Directory.Exists(fallback)
            ? $"""<fallbackPackageFolders><add key="user" value="{fallback}" /></fallbackPackageFolders>"""
            : string.Empty;
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{PackagesFolder}" /></config>
              <packageSources><add key="kaptain-build-test" value="{Feed}" /></packageSources>
              {fallbackLine}
            </configuration>
            """);
    }

    /// <summary>The environment of a consumer's build: restores go to this run's packages folder.</summary>
    public Dictionary<string, string?> ConsumerEnvironment() => new() { ["NUGET_PACKAGES"] = PackagesFolder };
}
