using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The apps/v1 Deployment controller, simplified: it keeps <c>spec.replicas</c> pods of the current template (labelled
/// with its <c>pod-template-hash</c>) and replaces the pods of an older template as a rolling update with the default
/// strategy does for a few replicas (maxSurge 25% rounds up to one, maxUnavailable 25% rounds down to none): the old
/// pods stay until the new ones are ready. Pods are owned by the Deployment directly (no ReplicaSet). Status counts and
/// the Available / Progressing conditions follow the pods: Progressing says ReplicaSetUpdated while the new pods are not
/// all ready, NewReplicaSetAvailable once they are.
/// </summary>
internal sealed class DeploymentController : ReconcilingController
{
    /// <inheritdoc/>
    public override string Name => "deployment-controller";

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
    [
        (BuiltInResources.Deployment, Self),
        (BuiltInResources.Pod, OwnerOfKind("Deployment")),
    ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var deployment = Store.TryGet(BuiltInResources.Deployment, ns, name);
        if (deployment is null || ObjectFields.IsDeleting(deployment))
        {
            return;
        }

        var template = deployment["spec"]?["template"] as JsonObject ?? new JsonObject();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(template.ToJsonString())))[..10];
        var replicas = (int)ObjectFields.Integer(deployment["spec"]?["replicas"], 1);
        var uid = ObjectFields.Uid(deployment);
        var pods = Store.List(BuiltInResources.Pod, ns).Items.Where(p => ObjectFields.IsControlledBy(p, uid) && !ObjectFields.IsDeleting(p)).ToList();
        var current = pods.Where(p => ObjectFields.Labels(p).GetValueOrDefault("pod-template-hash") == hash && ObjectFields.Text(p["status"]?["phase"]) is not ("Failed" or "Succeeded")).ToList();
        var currentReady = current.Take(replicas).Count(p => Conditions.IsTrue(p["status"], "Ready"));
        var old = pods.Except(current).ToList();
        var rolledOut = currentReady >= replicas;
        // Old pods that still serve stay until the new ones are ready; old pods that do not serve go at once.
        var leaving = old.Where(p => rolledOut || !Conditions.IsTrue(p["status"], "Ready")).Concat(current.Skip(replicas)).ToList();
        var serving = old.Except(leaving).ToList();
        foreach (var stale in leaving)
        {
            await Tolerate(() => Store.DeleteAsync(BuiltInResources.Pod, ns, ObjectFields.Name(stale)), 404);
        }

        for (var i = current.Count; i < replicas; i++)
        {
            var pod = (JsonObject)template.DeepClone();
            pod["apiVersion"] = "v1";
            pod["kind"] = "Pod";
            var metadata = ObjectFields.Metadata(pod);
            metadata["generateName"] = $"{name}-{hash}-";
            metadata["namespace"] = ns;
            metadata["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(deployment));
            ObjectFields.Child(metadata, "labels")["pod-template-hash"] = hash;
            await Store.CreateAsync(BuiltInResources.Pod, pod);
        }

        var ready = currentReady + serving.Count;
        await MutateStatus(BuiltInResources.Deployment, ns, name, status =>
        {
            var before = status.DeepClone();
            status["observedGeneration"] = ObjectFields.Generation(deployment);
            status["replicas"] = replicas;
            status["updatedReplicas"] = Math.Min(replicas, current.Count);
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
            status["unavailableReplicas"] = Math.Max(0, replicas - ready);
            var available = ready >= replicas;
            Conditions.Set(status, "Available", available ? "True" : "False", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", Now, withUpdateTime: true);
            Conditions.Set(status, "Progressing", "True", rolledOut ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", rolledOut ? $"ReplicaSet \"{name}-{hash}\" has successfully progressed." : $"ReplicaSet \"{name}-{hash}\" is progressing.", Now, withUpdateTime: true);
            return !ObjectFields.SameJson(before, status);
        });
        return;
    }
}
