using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>The end of a wait: how it ended and the resource as last seen.</summary>
/// <param name="Outcome">How the wait ended.</param>
/// <param name="Resource">The last state seen; <see langword="null"/> when the resource was never seen.</param>
public sealed record ResourceWaitResult(ResourceWaitOutcome Outcome, JsonObject? Resource);
