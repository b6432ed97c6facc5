using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Discovery;

/// <summary>
/// The unaggregated discovery documents (<c>/version</c>, <c>/api</c>, <c>/api/v1</c>, <c>/apis</c>, <c>/apis/{group}</c>,
/// <c>/apis/{group}/{version}</c>). Clients that ask for aggregated discovery (<c>as=APIGroupDiscoveryList</c>) get these
/// with a plain <c>application/json</c> content type, which tells them to fall back, as they do with older servers.
/// </summary>
public static class DiscoveryDocuments
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary><c>/version</c>: the Kubernetes version this server imitates.</summary>
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0+kaptain-local",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    /// <summary><c>/api</c>.</summary>
    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary><c>/apis</c>.</summary>
    public static JsonObject Groups(ResourceCatalog catalog)
    {
        var groups = new JsonArray();
        foreach (var (group, _) in catalog.Groups()) groups.Add(Group(catalog, group));
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary><c>/apis/{group}</c>, or null when the group is not served.</summary>
    public static JsonObject? Group(ResourceCatalog catalog, string group)
    {
        var entry = catalog.Groups().FirstOrDefault(g => g.Group == group);
        if (entry.Group is null) return null;
        var versions = new JsonArray();
        foreach (var v in entry.Versions) versions.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = versions,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{entry.Versions[0]}", ["version"] = entry.Versions[0] },
        };
    }

    /// <summary><c>/api/v1</c> or <c>/apis/{group}/{version}</c>, or null when the group version is not served.</summary>
    public static JsonObject? Resources(ResourceCatalog catalog, string group, string version)
    {
        var types = catalog.InGroupVersion(group, version).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (types.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(AllVerbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (type.ShortNames.Count > 0) resource["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s).ToArray());
            if (type.Categories.Count > 0) resource["categories"] = new JsonArray(type.Categories.Select(s => (JsonNode)s).ToArray());
            resources.Add(resource);
            if (type.HasStatusSubresource)
                resources.Add(new JsonObject { ["name"] = type.Plural + "/status", ["singularName"] = "", ["namespaced"] = type.Namespaced, ["kind"] = type.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
            foreach (var sub in type.ExtraSubresources)
            {
                // As kube-apiserver lists them: pods/log (get, kind Pod), pods/binding (create, kind Binding),
                // serviceaccounts/token (create, kind authentication.k8s.io/v1 TokenRequest).
                var entry = new JsonObject { ["name"] = $"{type.Plural}/{sub}", ["singularName"] = "", ["namespaced"] = type.Namespaced };
                switch (sub)
                {
                    case "binding":
                        entry["kind"] = "Binding";
                        entry["verbs"] = new JsonArray("create");
                        break;
                    case "token":
                        entry["group"] = "authentication.k8s.io";
                        entry["version"] = "v1";
                        entry["kind"] = "TokenRequest";
                        entry["verbs"] = new JsonArray("create");
                        break;
                    default:
                        entry["kind"] = type.Kind;
                        entry["verbs"] = new JsonArray("get");
                        break;
                }
                resources.Add(entry);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
