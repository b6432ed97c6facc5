using System.Text;
using Kaptain.Build.Model;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// The README's "Model project reference" tables, generated from the core's ModelProperties.All and
/// ModelItemTypes.All (the one list that drives the targets, the Cake addin and this table).
/// </summary>
internal static class ModelReferenceTable
{
    public const string Begin = "<!-- BEGIN model-reference: generated from ModelProperties.All and ModelItemTypes.All; ReadmeTests checks it, KAPTAIN_UPDATE_README=1 rewrites it -->";
    public const string End = "<!-- END model-reference -->";

    /// <summary>Defaults the MSBuild targets derive from the project, where the core has none.</summary>
    public static IReadOnlyDictionary<string, string> MSBuildDefaults { get; } = new Dictionary<string, string>
    {
        [ModelProperties.ModelId] = "the project name, lower-cased (MSBuild)",
    };

    public static string Generate()
    {
        var text = new StringBuilder();
        text.AppendLine(Begin);
        foreach (var group in ModelProperties.All.GroupBy(p => p.Group))
        {
            text.AppendLine();
            text.AppendLine($"#### {Heading(group.Key)}");
            text.AppendLine();
            text.AppendLine("| Property | Default | Description |");
            text.AppendLine("| --- | --- | --- |");
            foreach (var property in group)
            {
                var value = MSBuildDefaults.TryGetValue(property.Name, out var derived)
                    ? derived
                    : property.DefaultValue is { Length: > 0 } d ? $"`{d}`" : "—";
                text.AppendLine($"| `{property.Name}` | {value} | {Cell(property.Description)} |");
            }
        }

        text.AppendLine();
        text.AppendLine("#### Items");
        text.AppendLine();
        text.AppendLine("| Item | Include | Metadata | Description |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var type in ModelItemTypes.All)
        {
            var metadata = type.Metadata.Count == 0
                ? "—"
                : string.Join("<br>", type.Metadata.Select(m => $"`{m.Key}`: {Cell(m.Value)}"));
            text.AppendLine($"| `{type.Name}` | {Cell(type.Include)} | {metadata} | {Cell(type.Description)} |");
        }

        text.AppendLine();
        text.Append(End);
        return text.ToString();
    }

    private static string Heading(ModelPropertyGroup group) => group switch
    {
        ModelPropertyGroup.Model => "The model",
        ModelPropertyGroup.RegistryAndStorage => "Registry and object store",
        ModelPropertyGroup.Cluster => "Cluster",
        ModelPropertyGroup.Train => "Train",
        ModelPropertyGroup.Tune => "Tune",
        ModelPropertyGroup.Publish => "Publish",
        ModelPropertyGroup.Builder => "Image builder",
        _ => group.ToString(),
    };

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
