using System.Reflection;
using Kaptain.Testing;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>Paths in the source tree this test assembly was built from.</summary>
internal static class Repository
{
    public static string Root => RepositoryPaths.Root;

    /// <summary>The configuration this test assembly (and the task project it references) was built in.</summary>
    public static string Configuration { get; } = Metadata("KaptainConfiguration");

    public static string PropsFile => Path.Combine(Root, "targets", "Kaptain.Build.props");

    public static string TargetsFile => Path.Combine(Root, "targets", "Kaptain.Build.targets");

    public static string TasksProject => Path.Combine(Root, "src", "Kaptain.Build.Tasks", "Kaptain.Build.Tasks.csproj");

    public static string Samples => Path.Combine(Root, "samples");

    public static string Readme => Path.Combine(Root, "README.md");

    /// <summary>The task assembly of this build, copied next to the tests by the project reference.</summary>
    public static string FreshTasksAssembly => Path.Combine(AppContext.BaseDirectory, "Kaptain.Build.Tasks.dll");

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
