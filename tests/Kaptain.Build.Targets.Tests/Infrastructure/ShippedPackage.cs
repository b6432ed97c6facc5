namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>A package this repository ships: its id and the project that packs it.</summary>
internal sealed record ShippedPackage(string Id, string Project)
{
    public static ShippedPackage KaptainBuild { get; } = new("Kaptain.Build", Repository.TasksProject);

    public static ShippedPackage CakeKaptain { get; } = new("Cake.Kaptain", Path.Combine(Repository.Root, "src", "Cake.Kaptain", "Cake.Kaptain.csproj"));

    public static ShippedPackage Templates { get; } = new("Kaptain.Build.Templates", Path.Combine(Repository.Root, "src", "Kaptain.Build.Templates", "Kaptain.Build.Templates.csproj"));

    /// <summary>Every package build/build.cake's Pack target produces.</summary>
    public static IReadOnlyList<ShippedPackage> All { get; } = [KaptainBuild, CakeKaptain, Templates];

    public static ShippedPackage Named(string id) => All.Single(p => p.Id == id);

    /// <summary>The folder of the project (where its package README.md is).</summary>
    public string ProjectDirectory => Path.GetDirectoryName(Project)!;

    public override string ToString() => Id;
}
