using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using Kaptain.Build.Targets.Tests.Infrastructure;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// The exact content and the metadata of every package build/build.cake's Pack target produces. The file lists are
/// pinned in <c>PackageContents/{id}.txt</c> (see its README), as dotnet/sdk pins Microsoft.NET.Build.Containers'
/// (test/Microsoft.NET.Build.Containers.IntegrationTests/PackageTests.cs, <c>PackageContentTest</c>).
/// </summary>
public sealed class PackageLayoutTests
{
    private const string UpdateVariable = "KAPTAIN_UPDATE_PACKAGE_CONTENTS";

    public static TheoryData<string> Packages => [.. ShippedPackage.All.Select(p => p.Id)];

    [Theory]
    [MemberData(nameof(Packages))]
    public async Task The_package_holds_exactly_the_pinned_files(string id)
    {
        var package = ShippedPackage.Named(id);
        var packed = await (await PackedPackage.GetAsync()).PackAsync(package);
        var actual = Entries(packed.PackageFile);
        var snapshot = Path.Combine(Repository.Root, "tests", "Kaptain.Build.Targets.Tests", "PackageContents", id + ".txt");

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllLinesAsync(snapshot, actual, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(snapshot), $"{snapshot} is missing: run with {UpdateVariable}=1 to write it from the pack.");
        var expected = (await File.ReadAllLinesAsync(snapshot, TestContext.Current.CancellationToken)).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(expected);
        Assert.True(
            expected.SequenceEqual(actual, StringComparer.Ordinal),
            $"{Path.GetFileName(packed.PackageFile)} differs from {snapshot}:{Environment.NewLine}{Diff(expected, actual)}"
            + $"If the change is intended, run with {UpdateVariable}=1 (see PackageContents/README.md).");
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public async Task The_package_carries_the_metadata_nuget_org_shows_and_packs_without_warnings(string id)
    {
        var package = ShippedPackage.Named(id);
        var packed = await (await PackedPackage.GetAsync()).PackAsync(package);
        using var archive = ZipFile.OpenRead(packed.PackageFile);
        var metadata = await MetadataAsync(archive, id);

        // dotnet pack prints NU5xxx warnings and "is missing a readme" (an informational message) on the console.
        Assert.DoesNotContain(": warning ", packed.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("missing a readme", packed.Log, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(id, Value(metadata, "id"));
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("Apache-2.0", license.Value);
        Assert.StartsWith("https://", Value(metadata, "projectUrl"), StringComparison.Ordinal);
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.StartsWith("https://", repository.Attribute("url")?.Value, StringComparison.Ordinal);
        Assert.Contains("kaptain", Value(metadata, "tags").Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "releaseNotes")));

        // The readme is the project's README.md, packed at the root.
        Assert.Equal("README.md", Value(metadata, "readme"));
        await using var readme = archive.GetEntry("README.md")!.Open();
        using var reader = new StreamReader(readme);
        var source = await File.ReadAllTextAsync(Path.Combine(package.ProjectDirectory, "README.md"), TestContext.Current.CancellationToken);
        Assert.Equal(source, await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("# " + id, source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kaptain_Build_is_a_development_dependency_without_dependencies()
    {
        var package = await PackedPackage.GetAsync();
        using var archive = ZipFile.OpenRead(package.PackageFile);
        var metadata = await MetadataAsync(archive, "Kaptain.Build");

        Assert.Equal(package.Version, Value(metadata, "version"));
        Assert.Equal("true", Value(metadata, "developmentDependency"));
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies");
    }

    [Fact]
    public async Task The_template_package_is_a_template_whose_default_Kaptain_Build_is_its_own_version()
    {
        var feed = await PackedPackage.GetAsync();
        var packed = await feed.PackAsync(ShippedPackage.Templates);
        using var archive = ZipFile.OpenRead(packed.PackageFile);
        var metadata = await MetadataAsync(archive, ShippedPackage.Templates.Id);

        var packageType = metadata.Descendants().Single(e => e.Name.LocalName == "packageType");
        Assert.Equal("Template", packageType.Attribute("name")?.Value);
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies");

        await using var stream = archive.GetEntry("content/kaptain-model/.template.config/template.json")!.Open();
        var template = (await System.Text.Json.Nodes.JsonNode.ParseAsync(stream, cancellationToken: TestContext.Current.CancellationToken))!;
        Assert.Equal("kaptain-model", template["shortName"]!.GetValue<string>());
        Assert.Equal(feed.Version, template["symbols"]!["kaptainBuildVersion"]!["defaultValue"]!.GetValue<string>());
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

    /// <summary>The entries of the package in ordinal order, without NuGet's own <c>package/services/metadata/</c>.</summary>
    private static List<string> Entries(string packageFile)
    {
        using var archive = ZipFile.OpenRead(packageFile);
        return archive.Entries
            .Select(e => e.FullName)
            .Where(n => !n.StartsWith("package/services/metadata/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The lines only one side has: <c>- </c> expected but not packed, <c>+ </c> packed but not expected.</summary>
    private static string Diff(IReadOnlyCollection<string> expected, IReadOnlyCollection<string> actual)
    {
        var text = new StringBuilder();
        foreach (var missing in expected.Except(actual, StringComparer.Ordinal))
        {
            text.AppendLine("- " + missing);
        }

        foreach (var unexpected in actual.Except(expected, StringComparer.Ordinal))
        {
            text.AppendLine("+ " + unexpected);
        }

        return text.Length == 0 ? "(the same files in another order)" + Environment.NewLine : text.ToString();
    }

    private static async Task<XElement> MetadataAsync(ZipArchive archive, string id)
    {
        await using var nuspecStream = archive.GetEntry(id + ".nuspec")!.Open();
        var nuspec = await XDocument.LoadAsync(nuspecStream, LoadOptions.None, TestContext.Current.CancellationToken);
        return nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value
        ?? throw new Xunit.Sdk.XunitException($"The nuspec has no <{name}>.");
}
