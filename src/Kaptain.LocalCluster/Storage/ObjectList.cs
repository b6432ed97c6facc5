using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Storage;

/// <summary>The result of a list: copies of the matching objects and the store's resourceVersion at the time of the list.</summary>
/// <param name="Items">The objects, ordered by namespace and name.</param>
/// <param name="ResourceVersion">The resourceVersion to start a watch from to see every later change.</param>
public sealed record ObjectList(IReadOnlyList<JsonObject> Items, string ResourceVersion);
