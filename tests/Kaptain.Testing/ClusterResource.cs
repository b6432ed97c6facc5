using System.Text.Json.Nodes;

namespace Kaptain.Testing;

/// <summary>One object in the cluster: its kind, name and labels.</summary>
/// <param name="Kind">The kind, e.g. <c>TFJob</c>.</param>
/// <param name="Object">The object as stored.</param>
public sealed record ClusterResource(string Kind, JsonObject Object)
{
    /// <summary>The object's name.</summary>
    public string Name => Object["metadata"]!["name"]!.GetValue<string>();

    /// <summary>A label's value, or null.</summary>
    public string? Label(string name) => Object["metadata"]?["labels"]?[name]?.GetValue<string>();

    /// <summary>Whether an owner reference of the object names a <paramref name="kind"/> (made by that object's
    /// controller, and garbage-collected with it).</summary>
    public bool IsOwnedBy(string kind) =>
        (Object["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(o => o?["kind"]?.GetValue<string>() == kind);

    /// <summary>Whether the object is being deleted (it has a deletion timestamp).</summary>
    public bool IsTerminating => Object["metadata"]?["deletionTimestamp"] is not null;

    /// <summary>
    /// The uid of the ServiceAccount whose token Secret this is, or null. kube-controller-manager's token controller
    /// (v1.20, kubernetes/kubernetes pkg/controller/serviceaccount/tokens_controller.go) gives every ServiceAccount a
    /// <c>kubernetes.io/service-account-token</c> Secret that names its account by the annotations
    /// <c>kubernetes.io/service-account.name</c> and <c>.uid</c> (no ownerReference), and deletes it after the account
    /// is deleted: it belongs to the account, not to whoever created the account.
    /// </summary>
    public string? TokenOf =>
        Kind == "Secret" && Object["type"]?.GetValue<string>() == "kubernetes.io/service-account-token"
            ? Object["metadata"]?["annotations"]?["kubernetes.io/service-account.uid"]?.GetValue<string>()
            : null;

    /// <summary>The object's uid.</summary>
    public string Uid => Object["metadata"]!["uid"]!.GetValue<string>();

    /// <summary>Kind, name and labels, for failure messages.</summary>
    public string Describe() => $"{this} {Object["metadata"]?["labels"]?.ToJsonString()}{(IsTerminating ? " (terminating)" : "")}";

    /// <inheritdoc />
    public override string ToString() => $"{Kind}/{Name}";
}
