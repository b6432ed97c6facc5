using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>The items of a list request and the collection's resource version (where a watch continues from).</summary>
/// <param name="Items">The resources, each in its JSON form.</param>
/// <param name="ResourceVersion">The list's <c>metadata.resourceVersion</c>.</param>
public sealed record ResourceList(IReadOnlyList<JsonObject> Items, string? ResourceVersion);
