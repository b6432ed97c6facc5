using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Whose an object found on the cluster by its name is. The name alone does not say: <c>team-a/mnist</c> and
/// <c>team-b/mnist</c> both default to the Kubernetes name <c>mnist</c>. The <c>kaptain.build/model-id</c> annotation,
/// compared in full, does.
/// </summary>
internal static class ModelIdentity
{
    /// <summary>
    /// Refuses (<c>KAPT1020</c>, before anything is deleted or replaced) when <paramref name="resource"/> is not an object
    /// of <paramref name="model"/>: another model's, or one Kaptain.Build did not create.
    /// </summary>
    public static void EnsureOwn(JsonObject resource, ModelDefinition model, ResourceKind kind, string @namespace)
    {
        if (ManifestLabels.IsOf(resource, model))
        {
            return;
        }

        var name = KubernetesObjectJson.Name(resource);
        throw new KaptainException(KaptainDiagnostic.Error(
            "KAPT1020", name, kind.Kind, name, @namespace, Owner(resource), model.Id));
    }

    /// <summary>The model an object belongs to, for a message: its model-id annotation, or a note that it has none.</summary>
    public static string Owner(JsonObject resource) =>
        ManifestLabels.ModelIdOf(resource) is { Length: > 0 } id
            ? id
            : "(none: it has no kaptain.build/model-id annotation, so Kaptain.Build did not create it)";
}
