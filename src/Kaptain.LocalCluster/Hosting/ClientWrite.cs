namespace Kaptain.LocalCluster.Hosting;

/// <summary>
/// A write a client (not the simulated operators) is about to make, as <see cref="ClusterContext.BeforeClientWrite"/>
/// sees it: the verb and the object it names.
/// </summary>
/// <param name="Method">The HTTP method: <c>POST</c>, <c>PUT</c>, <c>PATCH</c> or <c>DELETE</c>.</param>
/// <param name="Group">The API group (empty for the core group).</param>
/// <param name="Resource">The plural resource name, for example <c>inferenceservices</c>.</param>
/// <param name="Namespace">The namespace, if the resource is namespaced.</param>
/// <param name="Name">The object's name (null for a create or a collection).</param>
/// <param name="Subresource">The subresource, for example <c>status</c>.</param>
public sealed record ClientWrite(string Method, string Group, string Resource, string? Namespace, string? Name, string? Subresource);
