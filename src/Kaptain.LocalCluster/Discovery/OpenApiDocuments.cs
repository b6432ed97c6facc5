using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Discovery;

/// <summary>
/// A minimal OpenAPI v3 (<c>/openapi/v3</c> and <c>/openapi/v3/{api/v1|apis/group/version}</c>): one PATCH operation per
/// type, tagged with its group-version-kind and the <c>fieldValidation</c> query parameter. That is what kubectl reads
/// to decide that the server validates fields itself (so it skips client-side schema validation, which would need the
/// full OpenAPI v2), and the absence of a strategic-merge request body sends it to its compiled-in patch metadata.
/// </summary>
public static class OpenApiDocuments
{
    /// <summary><c>/openapi/v3</c>: the group versions and where their documents are.</summary>
    public static JsonObject Index(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var (group, version) in catalog.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = GroupVersionPath(group, version);
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(key)}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of one group version, or null when it is not served.</summary>
    public static JsonObject? GroupVersion(ResourceCatalog catalog, string group, string version)
    {
        var types = catalog.InGroupVersion(group, version).ToList();
        if (types.Count == 0) return null;
        var paths = new JsonObject();
        foreach (var type in types)
        {
            var prefix = group.Length == 0 ? "/api/v1" : $"/apis/{group}/{version}";
            var path = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{type.Kind}",
                    ["parameters"] = new JsonArray(
                        Query("dryRun"), Query("fieldManager"), Query("fieldValidation"), Query("force")),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind },
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Query(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static string Hash(string key) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];
}
