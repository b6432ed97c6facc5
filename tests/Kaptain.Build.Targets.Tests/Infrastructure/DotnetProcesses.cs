namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// The collection of tests that run <c>dotnet</c> processes on the source tree (pack, restore, build). They run one at
/// a time: two restores of the same project at once would race on its obj/ folder.
/// </summary>
internal static class DotnetProcesses
{
    public const string Collection = "dotnet processes";
}
