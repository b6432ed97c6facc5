namespace Kaptain.LocalCluster.Simulation;

/// <summary>A simulated Kaniko build that failed; the message is the <c>Error: ...</c> line Kaniko prints before it
/// exits 1. Never carries a credential.</summary>
internal sealed class KanikoFailure(string message) : Exception(message);
