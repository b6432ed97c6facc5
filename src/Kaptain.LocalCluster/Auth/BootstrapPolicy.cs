using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Auth;

/// <summary>
/// The bootstrap ClusterRoles and ClusterRoleBindings a new cluster has that matter to clients (kubernetes/kubernetes
/// <c>plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go</c>): <c>cluster-admin</c> for <c>system:masters</c>,
/// <c>system:discovery</c> (the API discovery paths) for every authenticated user, <c>system:public-info-viewer</c>
/// (<c>/version</c>, health) for everyone, and <c>system:basic-user</c> (self subject reviews).
/// </summary>
public static class BootstrapPolicy
{
    /// <summary>The ClusterRoles.</summary>
    public static IEnumerable<JsonObject> ClusterRoles()
    {
        yield return Role("cluster-admin",
            Rule(["*"], apiGroups: ["*"], resources: ["*"]),
            NonResource(["*"], ["*"]));
        yield return Role("system:discovery",
            NonResource(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]));
        yield return Role("system:public-info-viewer",
            NonResource(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"]));
        yield return Role("system:basic-user",
            Rule(["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]));
    }

    /// <summary>The ClusterRoleBindings.</summary>
    public static IEnumerable<JsonObject> ClusterRoleBindings()
    {
        yield return Binding("cluster-admin", "system:masters");
        yield return Binding("system:discovery", "system:authenticated");
        yield return Binding("system:public-info-viewer", "system:authenticated", "system:unauthenticated");
        yield return Binding("system:basic-user", "system:authenticated");
    }

    private static JsonObject Role(string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRole",
        ["metadata"] = Metadata(name),
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject Binding(string role, params string[] groups) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = Metadata(role),
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
        ["subjects"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = g })]),
    };

    private static JsonObject Metadata(string name) => new()
    {
        ["name"] = name,
        ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        ["annotations"] = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
    };

    private static JsonObject Rule(string[] verbs, string[] apiGroups, string[] resources) => new()
    {
        ["verbs"] = Array(verbs),
        ["apiGroups"] = Array(apiGroups),
        ["resources"] = Array(resources),
    };

    private static JsonObject NonResource(string[] verbs, string[] urls) => new()
    {
        ["verbs"] = Array(verbs),
        ["nonResourceURLs"] = Array(urls),
    };

    private static JsonArray Array(string[] values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
