using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Api;

/// <summary>A CustomResourceDefinition as the cluster serves it.</summary>
/// <param name="Definition">The definition in <c>apiextensions.k8s.io/v1</c> form.</param>
/// <param name="Versions">One resource type per served version.</param>
/// <param name="StorageVersion">The version marked <c>storage: true</c>.</param>
public sealed record LoadedCrd(JsonObject Definition, IReadOnlyList<ResourceType> Versions, string StorageVersion);
