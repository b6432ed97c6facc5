namespace Kaptain.Build.Model;

/// <summary>One public property of a model project: its MSBuild name, its default and what it means.</summary>
/// <param name="Name">The MSBuild property name, for example <c>KaptainWorkers</c>.</param>
/// <param name="Group">The part of the lifecycle it belongs to.</param>
/// <param name="DefaultValue">The default applied by the core when the value is empty; <see langword="null"/> when there is none.</param>
/// <param name="Description">One sentence for the README table and the Cake docs (names a derived default in words).</param>
public sealed record ModelProperty(string Name, ModelPropertyGroup Group, string? DefaultValue, string Description);
