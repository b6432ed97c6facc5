using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Cleanup;

/// <summary>Names one resource on the cluster: enough to delete it and to tell the user what it was.</summary>
/// <param name="ApiVersion">The <c>apiVersion</c>.</param>
/// <param name="Kind">The <c>kind</c>.</param>
/// <param name="Namespace">The namespace.</param>
/// <param name="Name">The name.</param>
/// <param name="Uid">The server-assigned uid, when known.</param>
public sealed record ResourceReference(string ApiVersion, string Kind, string Namespace, string Name, string? Uid = null)
{
    /// <summary>The kind as the resource client addresses it.</summary>
    public ResourceKind ResourceKind => ResourceKinds.Get(ApiVersion, Kind);

    /// <summary>The reference of a resource in its JSON form as the server returned it.</summary>
    public static ResourceReference From(JsonObject resource, string defaultNamespace) => new(
        KubernetesObjectJson.ApiVersion(resource),
        KubernetesObjectJson.Kind(resource),
        KubernetesObjectJson.Namespace(resource) ?? defaultNamespace,
        KubernetesObjectJson.Name(resource),
        KubernetesObjectJson.Uid(resource));

    /// <summary>Whether both name the same object (uids are compared only when both are known).</summary>
    public bool SameObjectAs(ResourceReference other) =>
        ApiVersion == other.ApiVersion && Kind == other.Kind && Namespace == other.Namespace && Name == other.Name
        && (Uid is null || other.Uid is null || Uid == other.Uid);

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
