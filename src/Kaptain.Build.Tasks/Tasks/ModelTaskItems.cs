using Kaptain.Build.Model;
using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Turns the items the targets pass (<c>_KaptainModelProperty</c>: name and <c>Value</c>; <c>_KaptainModelItem</c>:
/// an item of the model tagged with <c>KaptainItemType</c>) into the core's <see cref="ModelInput"/> (Contract 1).
/// </summary>
internal static class ModelTaskItems
{
    /// <summary>The metadata the targets add to name an item's type; not part of the item as the user wrote it.</summary>
    public const string ItemTypeMetadata = "KaptainItemType";

    public static ModelInput ToModelInput(string projectDirectory, ITaskItem[]? properties, ITaskItem[]? items)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in properties ?? [])
        {
            values[property.ItemSpec] = property.GetMetadata("Value");
        }

        var modelItems = new List<ModelItem>();
        foreach (var item in items ?? [])
        {
            var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (System.Collections.DictionaryEntry entry in item.CloneCustomMetadata())
            {
                var name = (string)entry.Key;
                if (!string.Equals(name, ItemTypeMetadata, StringComparison.OrdinalIgnoreCase))
                {
                    metadata[name] = (string?)entry.Value ?? string.Empty;
                }
            }

            modelItems.Add(new ModelItem(item.GetMetadata(ItemTypeMetadata), item.ItemSpec, metadata));
        }

        return new ModelInput
        {
            ProjectDirectory = Path.GetFullPath(projectDirectory),
            Properties = values,
            Items = modelItems,
        };
    }
}
