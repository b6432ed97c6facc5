namespace Kaptain.LocalCluster.Auth;

/// <summary>Who sent a request: a user name and its groups, as the authenticators of kube-apiserver name them.</summary>
/// <param name="Name">The user name (<c>admin</c>, <c>system:serviceaccount:NS:NAME</c>, <c>system:anonymous</c>).</param>
/// <param name="Groups">The groups (<c>system:masters</c>, <c>system:authenticated</c>, <c>system:serviceaccounts:NS</c>...).</param>
public sealed record AuthenticatedUser(string Name, IReadOnlyList<string> Groups)
{
    /// <summary>The group every authenticated user is in.</summary>
    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>The group of the superusers: RBAC lets them do everything.</summary>
    public const string MastersGroup = "system:masters";

    /// <summary>A request without credentials (kube-apiserver's <c>--anonymous-auth=true</c> default).</summary>
    public static AuthenticatedUser Anonymous { get; } = new("system:anonymous", ["system:unauthenticated"]);

    /// <summary>The user the kubeconfig's token authenticates as (a <c>--token-auth-file</c> entry in <c>system:masters</c>).</summary>
    public static AuthenticatedUser Admin { get; } = new("admin", [MastersGroup, AuthenticatedGroup]);

    /// <summary>The user of a ServiceAccount token.</summary>
    public static AuthenticatedUser ServiceAccount(string ns, string name) =>
        new($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", $"system:serviceaccounts:{ns}", AuthenticatedGroup]);
}
