namespace Kaptain.Build.Model;

/// <summary>One item of the model project as a front end hands it to the core (Contract 1).</summary>
/// <param name="ItemType">The MSBuild item type, for example <c>KaptainHyperparameter</c>; see <see cref="ModelItemTypes"/>.</param>
/// <param name="ItemSpec">The item's <c>Include</c>: a name, a path or an argument, depending on the type.</param>
/// <param name="Metadata">The item's metadata by name (for example <c>Value</c>, <c>Type</c>, <c>Min</c>).</param>
public sealed record ModelItem(string ItemType, string ItemSpec, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Creates an item without metadata.</summary>
    public ModelItem(string itemType, string itemSpec)
        : this(itemType, itemSpec, new Dictionary<string, string>())
    {
    }

    /// <summary>The metadata value named <paramref name="name"/> (case-insensitive), or <see langword="null"/> when absent or empty.</summary>
    public string? GetMetadata(string name)
    {
        foreach (var (key, value) in Metadata)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            }
        }

        return null;
    }
}
