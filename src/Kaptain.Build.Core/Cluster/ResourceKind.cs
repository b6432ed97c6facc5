namespace Kaptain.Build.Cluster;

/// <summary>
/// A kind of Kubernetes resource as the API addresses it: group, version and plural. The core group is the empty
/// string (<c>/api/v1/...</c>); every other group is served under <c>/apis/{group}/{version}/...</c>.
/// </summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The API version, for example <c>v1</c>.</param>
/// <param name="Kind">The kind, for example <c>TFJob</c>.</param>
/// <param name="Plural">The resource name in URLs, for example <c>tfjobs</c>.</param>
/// <param name="Propagation">How deleting one of these treats its dependents (pods of a Job, trials of an Experiment).</param>
public sealed record ResourceKind(string Group, string Version, string Kind, string Plural, DeletePropagation Propagation)
{
    /// <summary>The <c>apiVersion</c> value: <c>v1</c> for the core group, <c>group/version</c> otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource as RBAC names it (<c>tfjobs.kubeflow.org</c>, <c>secrets</c>), for error messages.</summary>
    public string ResourceName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <inheritdoc />
    public override string ToString() => $"{Kind} ({ApiVersion})";
}
