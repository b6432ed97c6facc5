using Kaptain.Build.Cluster;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>An environment a test writes: variables, a home folder and whether "we run in a pod".</summary>
internal sealed class TestEnvironment : IClusterEnvironment
{
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    public string? HomeDirectory { get; set; }

    public bool IsInCluster { get; set; }

    public string? GetVariable(string name) => Variables.GetValueOrDefault(name);
}
