using Kaptain.LocalCluster.Api;

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
}
