using System.IO.Compression;
using System.Xml.Linq;
using Kaptain.Build.Targets.Tests.Infrastructure;

namespace Kaptain.Build.Targets.Tests;

/// <summary>The exact content of the Kaptain.Build package.</summary>
public sealed class PackageLayoutTests
{
    /// <summary>
    /// Every file of the package. When a dependency is added or removed this list changes on purpose: check that the
    /// new file is a run-time dependency of the tasks (never a Microsoft.Build assembly, which MSBuild provides).
    /// </summary>
    private static readonly string[] ExpectedFiles =
    [
        "[Content_Types].xml",
        "_rels/.rels",
        "build/Kaptain.Build.props",
        "build/Kaptain.Build.targets",
        "buildTransitive/Kaptain.Build.props",
        "buildTransitive/Kaptain.Build.targets",
        "Kaptain.Build.nuspec",
        "tasks/net10.0/CommunityToolkit.HighPerformance.dll",
        "tasks/net10.0/Fractions.dll",
        "tasks/net10.0/Kaptain.Build.Core.dll",
        "tasks/net10.0/Kaptain.Build.Tasks.deps.json",
        "tasks/net10.0/Kaptain.Build.Tasks.dll",
        "tasks/net10.0/KubernetesClient.dll",
        "tasks/net10.0/Microsoft.Extensions.DependencyInjection.Abstractions.dll",
        "tasks/net10.0/Microsoft.Extensions.DependencyInjection.dll",
        "tasks/net10.0/Microsoft.Extensions.Logging.Abstractions.dll",
        "tasks/net10.0/Microsoft.Extensions.Logging.dll",
        "tasks/net10.0/Microsoft.Extensions.Options.dll",
        "tasks/net10.0/Microsoft.Extensions.Primitives.dll",
        "tasks/net10.0/Minio.dll",
        "tasks/net10.0/Polly.Core.dll",
        "tasks/net10.0/System.IO.Hashing.dll",
        "tasks/net10.0/System.Reactive.dll",
        "tasks/net10.0/YamlDotNet.dll",
    ];

    [Fact]
    public async Task The_package_holds_exactly_the_tasks_their_dependencies_and_the_targets()
    {
        var package = await PackedPackage.GetAsync();
        using var archive = ZipFile.OpenRead(package.PackageFile);

        var files = archive.Entries
            .Select(e => e.FullName)
            .Where(n => !n.StartsWith("package/services/metadata/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

        Assert.Equal(ExpectedFiles.Order(StringComparer.Ordinal), files);
    }

    [Fact]
    public async Task The_package_is_a_development_dependency_without_dependencies()
    {
        var package = await PackedPackage.GetAsync();
        using var archive = ZipFile.OpenRead(package.PackageFile);
        await using var nuspecStream = archive.GetEntry("Kaptain.Build.nuspec")!.Open();
        var nuspec = await XDocument.LoadAsync(nuspecStream, LoadOptions.None, TestContext.Current.CancellationToken);
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");

        Assert.Equal("Kaptain.Build", metadata.Elements().Single(e => e.Name.LocalName == "id").Value);
        Assert.Equal(package.Version, metadata.Elements().Single(e => e.Name.LocalName == "version").Value);
        Assert.Equal("true", metadata.Elements().Single(e => e.Name.LocalName == "developmentDependency").Value);
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies");
    }

    [Fact]
    public async Task The_packed_targets_are_the_source_targets()
    {
        var package = await PackedPackage.GetAsync();
        using var archive = ZipFile.OpenRead(package.PackageFile);

        foreach (var folder in new[] { "build", "buildTransitive" })
        {
            foreach (var source in new[] { Repository.PropsFile, Repository.TargetsFile })
            {
                await using var packed = archive.GetEntry($"{folder}/{Path.GetFileName(source)}")!.Open();
                using var reader = new StreamReader(packed);
                Assert.Equal(await File.ReadAllTextAsync(source, TestContext.Current.CancellationToken), await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
            }
        }
    }
}
