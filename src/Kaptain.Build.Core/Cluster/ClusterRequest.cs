namespace Kaptain.Build.Cluster;

/// <summary>
/// The request a <see cref="Diagnostics.KaptainException"/> from the resource client is about, in RBAC's terms: the
/// verb (<c>list</c>, <c>watch</c>, <c>get</c>, ...), the resource (<c>pods</c>, <c>pods/log</c>,
/// <c>revisions.serving.knative.dev</c>), the namespace, and — when the server named it in its 403 — the account.
/// </summary>
/// <param name="Verb">The RBAC verb of the request.</param>
/// <param name="Resource">The resource, <c>plural.group</c> (or <c>plural</c>, <c>pods/log</c> in the core group).</param>
/// <param name="Namespace">The namespace of the request.</param>
/// <param name="Name">The object's name, for a request about one object.</param>
/// <param name="Status">The HTTP status the server answered with, when it answered.</param>
/// <param name="Account">The user the server refused (<c>system:serviceaccount:ns:name</c>), when its message says.</param>
internal sealed record ClusterRequest(string Verb, string Resource, string Namespace, string? Name, int? Status, string? Account)
{
    /// <summary>Whether the server refused the request for want of a permission (403 Forbidden).</summary>
    public bool IsForbidden => Status == 403;
}
