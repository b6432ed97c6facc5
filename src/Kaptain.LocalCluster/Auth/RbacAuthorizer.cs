using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Auth;

/// <summary>
/// RBAC as kube-apiserver's <c>--authorization-mode=RBAC</c> evaluates it (kubernetes/kubernetes
/// <c>plugin/pkg/auth/authorizer/rbac/rbac.go</c>): a request is allowed when a rule of a role bound to the user allows it
/// — ClusterRoleBindings everywhere, RoleBindings (to a Role of their namespace or a ClusterRole) in their namespace;
/// <c>system:masters</c> may do everything. The roles and bindings are the stored objects (the server seeds the bootstrap
/// ones, <see cref="BootstrapPolicy"/>).
/// </summary>
public sealed class RbacAuthorizer(ObjectStore store)
{
    /// <summary>Whether <paramref name="user"/> may do <paramref name="request"/>.</summary>
    public bool Allows(AuthenticatedUser user, RequestAttributes request)
    {
        if (user.Groups.Contains(AuthenticatedUser.MastersGroup)) return true;
        foreach (var binding in store.List(BuiltInResources.ClusterRoleBinding).Items)
        {
            if (!Binds(binding, user, null)) continue;
            if (RoleOf(binding, null) is { } role && RulesAllow(role, request)) return true;
        }
        if (!request.IsResourceRequest || string.IsNullOrEmpty(request.Namespace)) return false;
        foreach (var binding in store.List(BuiltInResources.RoleBinding, request.Namespace).Items)
        {
            if (!Binds(binding, user, request.Namespace)) continue;
            if (RoleOf(binding, request.Namespace) is { } role && RulesAllow(role, request)) return true;
        }
        return false;
    }

    /// <summary>
    /// The 403 as the real server words it (k8s.io/apiserver <c>endpoints/handlers/responsewriters/errors.go</c>
    /// <c>forbiddenMessage</c>, wrapped by <c>apierrors.NewForbidden</c>).
    /// </summary>
    public static ApiException Forbidden(AuthenticatedUser user, RequestAttributes request)
    {
        if (!request.IsResourceRequest)
            return new ApiException(403, "Forbidden", $"forbidden: User \"{user.Name}\" cannot {request.Verb} path \"{request.Path}\"");
        var resource = request.Subresource is { Length: > 0 } sub ? $"{request.Resource}/{sub}" : request.Resource;
        var scope = string.IsNullOrEmpty(request.Namespace) ? "at the cluster scope" : $"in the namespace \"{request.Namespace}\"";
        var why = $"User \"{user.Name}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" {scope}";
        var qualified = request.Group.Length == 0 ? request.Resource : $"{request.Resource}.{request.Group}";
        var message = string.IsNullOrEmpty(request.Name) ? $"{qualified} is forbidden: {why}" : $"{qualified} \"{request.Name}\" is forbidden: {why}";
        return new ApiException(403, "Forbidden", message, string.IsNullOrEmpty(request.Name) ? null : request.Name, request.Group, request.Resource);
    }

    private static bool Binds(JsonObject binding, AuthenticatedUser user, string? bindingNamespace)
    {
        foreach (var subject in (binding["subjects"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var kind = subject["kind"]?.GetValue<string>();
            var name = subject["name"]?.GetValue<string>() ?? "";
            switch (kind)
            {
                case "User" when name == user.Name:
                case "Group" when user.Groups.Contains(name):
                    return true;
                case "ServiceAccount":
                    var ns = subject["namespace"]?.GetValue<string>() ?? bindingNamespace ?? "";
                    if (user.Name == $"system:serviceaccount:{ns}:{name}") return true;
                    break;
            }
        }
        return false;
    }

    private JsonObject? RoleOf(JsonObject binding, string? bindingNamespace)
    {
        var roleRef = binding["roleRef"];
        var name = roleRef?["name"]?.GetValue<string>();
        if (name is null) return null;
        return roleRef?["kind"]?.GetValue<string>() switch
        {
            "ClusterRole" => store.TryGet(BuiltInResources.ClusterRole, null, name),
            "Role" when bindingNamespace is not null => store.TryGet(BuiltInResources.Role, bindingNamespace, name),
            _ => null,
        };
    }

    private static bool RulesAllow(JsonObject role, RequestAttributes request) =>
        ((role["rules"] as JsonArray)?.OfType<JsonObject>() ?? []).Any(rule => RuleAllows(rule, request));

    // plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows and pkg/apis/rbac/v1/evaluation_helpers.go.
    private static bool RuleAllows(JsonObject rule, RequestAttributes request)
    {
        var verbs = Strings(rule["verbs"]);
        if (!verbs.Contains("*") && !verbs.Contains(request.Verb)) return false;
        if (!request.IsResourceRequest)
        {
            return Strings(rule["nonResourceURLs"]).Any(url =>
                url == "*" || url == request.Path || (url.EndsWith('*') && request.Path.StartsWith(url[..^1], StringComparison.Ordinal)));
        }

        var groups = Strings(rule["apiGroups"]);
        if (!groups.Contains("*") && !groups.Contains(request.Group)) return false;
        var resources = Strings(rule["resources"]);
        var combined = request.Subresource is { Length: > 0 } sub ? $"{request.Resource}/{sub}" : request.Resource;
        var resourceMatches = resources.Any(r =>
            r == "*" || r == combined || (request.Subresource is { Length: > 0 } s && r == "*/" + s));
        if (!resourceMatches) return false;
        var names = Strings(rule["resourceNames"]);
        return names.Count == 0 || (request.Name is not null && names.Contains(request.Name));
    }

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray)?.Select(v => v?.GetValue<string>() ?? "").ToList() ?? [];
}
