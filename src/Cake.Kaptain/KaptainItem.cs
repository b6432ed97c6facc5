namespace Cake.Kaptain;

/// <summary>A model item as a model project declares it, for example <c>&lt;KaptainHyperparameter Include="lr" Value="0.01" /&gt;</c>.</summary>
/// <param name="ItemType">The item type, for example <c>KaptainHyperparameter</c>.</param>
/// <param name="Include">The item's <c>Include</c>.</param>
/// <param name="Metadata">The item's metadata, for example <c>Value</c>.</param>
public sealed record KaptainItem(string ItemType, string Include, IReadOnlyDictionary<string, string> Metadata);
