namespace Kaptain.Build.Model;

/// <summary>One item type of a model project: its MSBuild name, the meaning of its <c>Include</c> and its metadata.</summary>
/// <param name="Name">The MSBuild item type, for example <c>KaptainHyperparameter</c>.</param>
/// <param name="Include">What the item's <c>Include</c> holds.</param>
/// <param name="Metadata">The metadata the core reads, by name, with what each means.</param>
/// <param name="Description">One sentence for the README table and the Cake docs.</param>
public sealed record ModelItemType(
    string Name,
    string Include,
    IReadOnlyDictionary<string, string> Metadata,
    string Description);
