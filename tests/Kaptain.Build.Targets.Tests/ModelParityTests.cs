using System.Security;
using Kaptain.Build.Model;
using Kaptain.Build.Targets.Tests.Infrastructure;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// The targets hand the core every property and item type the core knows (ModelProperties.All, ModelItemTypes.All),
/// and notice a change in any of them when deciding whether a render is up to date.
/// </summary>
[Collection(InProcessBuild.Collection)]
public sealed class ModelParityTests
{
    [Fact]
    public void Every_model_property_the_core_knows_reaches_the_tasks_with_its_value()
    {
        var body = "<PropertyGroup>" + string.Concat(ModelProperties.All.Select(p => $"<{p.Name}>value of {p.Name}</{p.Name}>")) + "</PropertyGroup>";
        using var model = new ModelProject(body);

        var result = InProcessBuild.Build(model.File, "KaptainPrepareModel").ShouldSucceed();

        var passed = result.TargetOutputs
            .Where(i => i.GetMetadata("KaptainItemType").Length == 0)
            .ToDictionary(i => i.ItemSpec, i => i.GetMetadata("Value"), StringComparer.Ordinal);
        Assert.Equal(ModelProperties.All.Select(p => p.Name).Order(StringComparer.Ordinal), passed.Keys.Order(StringComparer.Ordinal));
        Assert.All(ModelProperties.All, p => Assert.Equal($"value of {p.Name}", passed[p.Name]));
    }

    [Fact]
    public void Every_model_item_type_the_core_knows_reaches_the_tasks_with_its_metadata()
    {
        var body = "<ItemGroup>" + string.Concat(ModelItemTypes.All.Select(t =>
            $"<{t.Name} Include=\"include of {t.Name}\" "
            + string.Concat(t.Metadata.Keys.Select(m => $"{m}=\"{SecurityElement.Escape($"{m} of {t.Name}")}\" "))
            + "/>")) + "</ItemGroup>";
        using var model = new ModelProject(body);

        var result = InProcessBuild.Build(model.File, "KaptainPrepareModel").ShouldSucceed();

        var items = result.TargetOutputs.Where(i => i.GetMetadata("KaptainItemType").Length > 0).ToList();
        Assert.Equal(
            ModelItemTypes.All.Select(t => t.Name).Order(StringComparer.Ordinal),
            items.Select(i => i.GetMetadata("KaptainItemType")).Order(StringComparer.Ordinal));
        foreach (var type in ModelItemTypes.All)
        {
            var item = Assert.Single(items, i => i.GetMetadata("KaptainItemType") == type.Name);
            Assert.Equal($"include of {type.Name}", item.ItemSpec);
            Assert.All(type.Metadata.Keys, m => Assert.Equal($"{m} of {type.Name}", item.GetMetadata(m)));
        }
    }

    [Fact]
    public void The_up_to_date_check_notices_a_change_of_any_property_or_item_metadata()
    {
        var baselineProperties = ModelProperties.All.ToDictionary(p => p.Name, p => "a");
        var baselineItems = ModelItemTypes.All.ToDictionary(t => t.Name, t => t.Metadata.Keys.ToDictionary(m => m, _ => "a"));
        using var model = new ModelProject();
        var baseline = InputsHash(model, baselineProperties, baselineItems);
        Assert.Equal(baseline, InputsHash(model, baselineProperties, baselineItems));

        var unnoticed = new List<string>();
        foreach (var property in ModelProperties.All)
        {
            var changed = new Dictionary<string, string>(baselineProperties) { [property.Name] = "b" };
            if (InputsHash(model, changed, baselineItems) == baseline)
            {
                unnoticed.Add(property.Name);
            }
        }

        foreach (var type in ModelItemTypes.All)
        {
            foreach (var metadata in type.Metadata.Keys.Append("Include"))
            {
                var changed = baselineItems.ToDictionary(p => p.Key, p => new Dictionary<string, string>(p.Value));
                changed[type.Name][metadata] = "b";
                if (InputsHash(model, baselineProperties, changed) == baseline)
                {
                    unnoticed.Add($"{type.Name}.{metadata}");
                }
            }
        }

        Assert.Empty(unnoticed);
    }

    private static string InputsHash(ModelProject model, Dictionary<string, string> properties, Dictionary<string, Dictionary<string, string>> items)
    {
        model.Write(
            "<PropertyGroup>" + string.Concat(properties.Select(p => $"<{p.Key}>{p.Value}</{p.Key}>")) + "</PropertyGroup>"
            + "<ItemGroup>" + string.Concat(items.Select(t =>
                $"<{t.Key} Include=\"{t.Value.GetValueOrDefault("Include", "a")}\" "
                + string.Concat(t.Value.Where(m => m.Key != "Include").Select(m => $"{m.Key}=\"{m.Value}\" "))
                + "/>")) + "</ItemGroup>");
        InProcessBuild.Build(model.File, "KaptainPrepareModel").ShouldSucceed();
        return File.ReadAllText(Path.Combine(model.Directory, "obj", "kaptain", "model.inputs.cache")).Trim();
    }
}
