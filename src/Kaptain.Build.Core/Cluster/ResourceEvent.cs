using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>One change seen by <see cref="IClusterResourceClient.WatchAsync(ResourceKind, string?, string?, string?, CancellationToken)"/>.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Resource">The resource as it is now (for <see cref="ResourceEventType.Deleted"/>, as it was last).</param>
public sealed record ResourceEvent(ResourceEventType Type, JsonObject Resource);
