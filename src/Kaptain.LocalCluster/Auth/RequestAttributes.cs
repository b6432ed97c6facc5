namespace Kaptain.LocalCluster.Auth;

/// <summary>
/// What a request asks to do, as RBAC sees it (k8s.io/apiserver authorizer.Attributes): a verb on a resource (with its
/// group, subresource, namespace and name), or an HTTP verb on a non-resource path such as <c>/version</c>.
/// </summary>
public sealed record RequestAttributes
{
    /// <summary>The verb: <c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>,
    /// <c>deletecollection</c>; for a non-resource path the lower-case HTTP method.</summary>
    public required string Verb { get; init; }

    /// <summary>Whether this is a resource request (else <see cref="Path"/> is what is authorized).</summary>
    public bool IsResourceRequest { get; init; }

    /// <summary>The API group (empty for core).</summary>
    public string Group { get; init; } = "";

    /// <summary>The plural resource.</summary>
    public string Resource { get; init; } = "";

    /// <summary>The subresource (<c>log</c>, <c>status</c>, <c>token</c>), if any.</summary>
    public string? Subresource { get; init; }

    /// <summary>The namespace, if the request is namespaced.</summary>
    public string? Namespace { get; init; }

    /// <summary>The object's name, if the request names one.</summary>
    public string? Name { get; init; }

    /// <summary>The request path (for non-resource requests).</summary>
    public string Path { get; init; } = "/";
}
