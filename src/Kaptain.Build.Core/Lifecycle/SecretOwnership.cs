using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Makes a run's Secret a dependent of the workload that reads it (the training job, the experiment, the
/// InferenceService): an <c>ownerReference</c> with the owner's uid, so that Kubernetes' garbage collector removes the
/// Secret whenever the owner goes, by whoever deletes it (force cleanup, the training operator's
/// <c>ttlSecondsAfterFinished</c>, the sweep, <c>kubectl delete</c>), and never while the owner exists. The Secret is
/// created before its owner (pods must find it when they start), so the reference is added afterwards by a merge patch.
/// </summary>
/// <remarks>
/// Garbage-collector semantics: https://kubernetes.io/docs/concepts/architecture/garbage-collection/ (an object whose
/// owners are all gone is deleted; a reference whose uid does not match the live owner counts as gone, which is why the
/// uid is the one the API returned at creation). Owner and dependent are in the same namespace, as the GC requires.
/// </remarks>
internal static class SecretOwnership
{
    /// <summary>Adds <paramref name="owner"/> (as created: apiVersion, kind, name, uid) as the owner of the Secret <paramref name="secretName"/>.</summary>
    public static async Task SetOwnerAsync(LifecycleRun run, string secretName, JsonObject owner, CancellationToken cancellationToken)
    {
        var reference = new JsonObject
        {
            ["apiVersion"] = KubernetesObjectJson.StringAt(owner, "apiVersion"),
            ["kind"] = KubernetesObjectJson.StringAt(owner, "kind"),
            ["name"] = KubernetesObjectJson.Name(owner),
            ["uid"] = KubernetesObjectJson.Uid(owner),
        };
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = new JsonArray(reference) } };
        try
        {
            await run.Resilience.ExecuteAsync(
                async token =>
                {
                    using var response = await run.Connection.Client.CoreV1
                        .PatchNamespacedSecretWithHttpMessagesAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), secretName, run.Namespace, cancellationToken: token)
                        .ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(run.Connection, exception, "patch", ResourceKinds.Secret, run.Namespace, secretName);
        }

        run.Log.Detail($"Secret {secretName} is owned by {reference["kind"]} {reference["name"]}: it goes when that goes");
    }
}
