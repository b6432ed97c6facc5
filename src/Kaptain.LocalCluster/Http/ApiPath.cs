using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Auth;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// A resource URL taken apart: <c>/api/v1/namespaces/{ns}/pods/{name}/log</c>,
/// <c>/apis/{group}/{version}/watch/namespaces/{ns}/{plural}</c>, <c>/api/v1/namespaces/{name}/status</c>...
/// </summary>
internal sealed record ApiPath(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool WatchPrefix)
{
    /// <summary>Parses the segments after <c>/api/v1</c> or <c>/apis/{group}/{version}</c>; null when no served type matches.</summary>
    public static ApiPath? Parse(ResourceCatalog catalog, string group, string version, string[] segments)
    {
        var watch = false;
        if (segments.Length > 0 && segments[0] == "watch")
        {
            watch = true;
            segments = segments[1..];
        }
        if (segments.Length == 0) return null;
        string? ns = null;
        if (segments[0] == "namespaces" && segments.Length >= 3)
        {
            // /namespaces/{ns}/{plural}... unless it is /namespaces/{name}/status|finalize (the namespace itself).
            var candidate = catalog.Find(group, version, segments[2]);
            if (candidate is { Namespaced: true })
            {
                ns = segments[1];
                segments = segments[2..];
            }
        }
        var type = catalog.Find(group, version, segments[0]);
        if (type is null || segments.Length > 3) return null;
        if (type.Namespaced && ns is null && segments.Length > 1) return null;
        return new ApiPath(type, ns, segments.Length > 1 ? segments[1] : null, segments.Length > 2 ? segments[2] : null, watch);
    }

    /// <summary>
    /// The RBAC attributes of a request on this path (k8s.io/apiserver <c>endpoints/request/requestinfo.go</c>): GET of a
    /// collection is <c>list</c>, <c>watch=true</c> or a <c>/watch/</c> path is <c>watch</c>, DELETE of a collection is
    /// <c>deletecollection</c>.
    /// </summary>
    public RequestAttributes Attributes(HttpRequest request)
    {
        var method = request.Method;
        var watching = WatchPrefix || request.Query["watch"].Any(v => v is "true" or "1" or "True");
        var verb = method switch
        {
            "GET" or "HEAD" when watching => "watch",
            "GET" or "HEAD" => Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        // A namespace's own path (/api/v1/namespaces/NAME) is the namespace "NAME" for RBAC too.
        var ns = Namespace ?? (Type.StorageKey == BuiltInResources.Namespace.StorageKey ? Name : null);
        return new RequestAttributes
        {
            Verb = verb,
            IsResourceRequest = true,
            Group = Type.Group,
            Resource = Type.Plural,
            Subresource = Subresource,
            Namespace = ns,
            Name = Name,
            Path = request.Path.Value ?? "/",
        };
    }
}
