using System.Text.RegularExpressions;
using Kaptain.Build.Targets.Tests.Infrastructure;

namespace Kaptain.Build.Targets.Tests;

/// <summary>The README's model project reference cannot drift from the core's lists or the targets.</summary>
[Collection(InProcessBuild.Collection)]
public sealed partial class ReadmeTests
{
    [Fact]
    public void The_model_reference_table_is_generated_from_the_core_lists()
    {
        var readme = File.ReadAllText(Repository.Readme).ReplaceLineEndings("\n");
        var expected = ModelReferenceTable.Generate().ReplaceLineEndings("\n");
        var begin = readme.IndexOf(ModelReferenceTable.Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(ModelReferenceTable.End, StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("KAPTAIN_UPDATE_README") == "1" && begin >= 0 && end > begin)
        {
            readme = readme[..begin] + expected + readme[(end + ModelReferenceTable.End.Length)..];
            File.WriteAllText(Repository.Readme, readme);
            end = readme.IndexOf(ModelReferenceTable.End, StringComparison.Ordinal);
        }

        Assert.True(begin >= 0 && end > begin, "README.md has no generated model reference block.");
        Assert.Equal(expected, readme[begin..(end + ModelReferenceTable.End.Length)]);
    }

    [Fact]
    public void Every_public_property_of_the_targets_is_in_the_README()
    {
        using var model = new ModelProject(body: string.Empty);
        var project = InProcessBuild.Evaluate(model.File);
        var ours = new[] { Repository.PropsFile, Repository.TargetsFile };
        var publicProperties = project.AllEvaluatedProperties
            .Where(p => p.Xml is not null && ours.Contains(p.Xml.ContainingProject.FullPath))
            .Select(p => p.Name)
            .Where(n => n.StartsWith("Kaptain", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("KaptainEnabled", publicProperties);

        var readme = File.ReadAllText(Repository.Readme);
        var documented = TableRowName().Matches(readme).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var undocumented = publicProperties.Where(p => !documented.Contains(p)).ToList();
        Assert.True(undocumented.Count == 0, "Not in the README: " + string.Join(", ", undocumented));
    }

    [GeneratedRegex(@"^\| `(Kaptain\w+)`", RegexOptions.Multiline)]
    private static partial Regex TableRowName();
}
