using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The batch/v1 Job controller: creates the Job's pods from its template (owned by the Job, labelled with
/// <c>batch.kubernetes.io/job-name</c> and <c>controller-uid</c>), counts them into <c>status.active/succeeded/failed</c>,
/// and ends the Job with the conditions the real controller writes (<c>SuccessCriteriaMet</c> + <c>Complete</c>, or
/// <c>FailureTarget</c> + <c>Failed</c> with reason <c>BackoffLimitExceeded</c> or <c>DeadlineExceeded</c>). Honours
/// <c>completions</c>, <c>parallelism</c>, <c>backoffLimit</c> (pod failures and, for OnFailure, container restarts),
/// <c>activeDeadlineSeconds</c> and <c>ttlSecondsAfterFinished</c>.
/// </summary>
internal sealed class JobController : ReconcilingController
{
    /// <inheritdoc/>
    public override string Name => "job-controller";

    /// <inheritdoc/>
    protected override IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches() =>
    [
        (BuiltInResources.Job, Self),
        (BuiltInResources.Pod, OwnerOfKind("Job")),
    ];

    /// <inheritdoc/>
    protected override async Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var job = Store.TryGet(BuiltInResources.Job, ns, name);
        if (job is null || ObjectFields.IsDeleting(job))
        {
            return;
        }

        var spec = job["spec"] ?? new JsonObject();
        var status = job["status"];
        if (Conditions.IsTrue(status, "Complete") || Conditions.IsTrue(status, "Failed"))
        {
            await ExpireAfterTtl(job, cancellationToken);
            return;
        }

        if (spec["suspend"] is JsonValue suspend && suspend.TryGetValue<bool>(out var suspended) && suspended)
        {
            return;
        }

        var uid = ObjectFields.Uid(job);
        var pods = Store.List(BuiltInResources.Pod, ns).Items.Where(p => ObjectFields.IsControlledBy(p, uid)).ToList();
        var active = pods.Where(p => !ObjectFields.IsDeleting(p) && Phase(p) is not ("Succeeded" or "Failed")).ToList();
        var succeeded = pods.Count(p => Phase(p) == "Succeeded");
        var failedPods = pods.Count(p => Phase(p) == "Failed");
        var ready = active.Count(p => Conditions.IsTrue(p["status"], "Ready"));
        var restartPolicy = ObjectFields.Text(spec["template"]?["spec"]?["restartPolicy"]) ?? "Never";

        // With OnFailure the kubelet restarts the container in place; each restart counts against backoffLimit.
        var restarts = restartPolicy == "OnFailure"
            ? active.Sum(p => (p["status"]?["containerStatuses"] as JsonArray ?? []).Sum(c => (int)ObjectFields.Integer(c?["restartCount"], 0)))
            : 0;
        var completions = (int)ObjectFields.Integer(spec["completions"], 1);
        var parallelism = (int)ObjectFields.Integer(spec["parallelism"], 1);
        var backoffLimit = (int)ObjectFields.Integer(spec["backoffLimit"], 6);
        var startTime = ObjectFields.ParseTimestamp(status?["startTime"]) ?? Now;
        var deadline = spec["activeDeadlineSeconds"] is null ? (TimeSpan?)null : TimeSpan.FromSeconds(ObjectFields.Integer(spec["activeDeadlineSeconds"], 0));

        string? failReason = null;
        string? failMessage = null;
        if (failedPods + restarts > backoffLimit)
        {
            failReason = "BackoffLimitExceeded";
            failMessage = "Job has reached the specified backoff limit";
        }
        else if (deadline is { } limit && Now - startTime >= limit)
        {
            failReason = "DeadlineExceeded";
            failMessage = "Job was active longer than specified deadline";
        }

        var complete = failReason is null && succeeded >= completions;
        var toCreate = failReason is null && !complete ? Math.Max(0, Math.Min(parallelism, completions - succeeded) - active.Count) : 0;
        for (var i = 0; i < toCreate; i++)
        {
            var pod = await CreatePod(job);
            Events.Normal(job, "SuccessfulCreate", $"Created pod: {ObjectFields.Name(pod)}");
        }

        if (failReason is not null || complete)
        {
            // A finished Job's remaining pods are stopped, as the real controller does.
            foreach (var pod in active)
            {
                await Tolerate(() => Store.DeleteAsync(BuiltInResources.Pod, ns, ObjectFields.Name(pod)), 404);
            }

            if (failReason is not null)
            {
                Events.Warning(job, failReason, failMessage!);
            }
            else
            {
                Events.Normal(job, "Completed", "Job completed");
            }
        }

        await MutateStatus(BuiltInResources.Job, ns, name, jobStatus =>
        {
            var before = jobStatus.DeepClone();
            jobStatus["startTime"] ??= ObjectFields.Timestamp(startTime);
            jobStatus["active"] = failReason is null && !complete ? active.Count + toCreate : 0;
            jobStatus["ready"] = failReason is null && !complete ? ready : 0;
            jobStatus["succeeded"] = succeeded;
            jobStatus["failed"] = failedPods;
            jobStatus["terminating"] = 0;
            if (complete)
            {
                Conditions.Set(jobStatus, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", Now, withUpdateTime: true);
                Conditions.Set(jobStatus, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", Now, withUpdateTime: true);
                jobStatus["completionTime"] = ObjectFields.Timestamp(Now);
            }
            else if (failReason is not null)
            {
                Conditions.Set(jobStatus, "FailureTarget", "True", failReason, failMessage, Now, withUpdateTime: true);
                Conditions.Set(jobStatus, "Failed", "True", failReason, failMessage, Now, withUpdateTime: true);
            }

            return !ObjectFields.SameJson(before, jobStatus);
        });

        if (deadline is { } until && failReason is null && !complete)
        {
            Queue.AddAfter(Key(ns, name), startTime + until - Now, cancellationToken);
        }

        return;
    }

    private static string? Phase(JsonNode pod) => ObjectFields.Text(pod["status"]?["phase"]);

    private async Task<JsonObject> CreatePod(JsonObject job)
    {
        var template = job["spec"]?["template"]?.DeepClone() as JsonObject ?? new JsonObject();
        var jobName = ObjectFields.Name(job);
        var uid = ObjectFields.Uid(job);
        var metadata = ObjectFields.Metadata(template);
        var labels = ObjectFields.Child(metadata, "labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = jobName;
        labels["controller-uid"] = uid;
        labels["job-name"] = jobName;
        metadata["generateName"] = $"{jobName}-";
        metadata.Remove("name");
        metadata["namespace"] = ObjectFields.Namespace(job);
        metadata["ownerReferences"] = new JsonArray(ObjectFields.OwnerReference(job));
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata.DeepClone(),
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        return await Store.CreateAsync(BuiltInResources.Pod, pod);
    }

    private async Task ExpireAfterTtl(JsonObject job, CancellationToken cancellationToken)
    {
        if (job["spec"]?["ttlSecondsAfterFinished"] is null)
        {
            return;
        }

        var ttl = TimeSpan.FromSeconds(ObjectFields.Integer(job["spec"]!["ttlSecondsAfterFinished"], 0));
        var finished = ObjectFields.ParseTimestamp(job["status"]?["completionTime"])
            ?? ObjectFields.ParseTimestamp(Conditions.Find(job["status"], "Failed")?["lastTransitionTime"])
            ?? Now;
        var due = finished + ttl - Now;
        if (due > TimeSpan.Zero)
        {
            Queue.AddAfter(Key(ObjectFields.Namespace(job), ObjectFields.Name(job)), due, cancellationToken);
            return;
        }

        // The TTL controller deletes in the background: the garbage collector takes the pods.
        await Tolerate(() => Store.DeleteAsync(BuiltInResources.Job, ObjectFields.Namespace(job), ObjectFields.Name(job), new DeletionOptions { PropagationPolicy = PropagationPolicy.Background }), 404);
    }
}
