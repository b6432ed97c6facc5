using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The sweep (<c>KaptainCleanup</c>): what earlier runs of the model left on the cluster, found by the model's labels
/// and in the journals of runs that were killed, is removed, except the published deployment (the InferenceService
/// and the ServiceAccount it uses; <c>KaptainUndeploy</c> removes those). Kept training jobs and experiments go too.
/// </summary>
internal static class CleanupStep
{
    /// <summary>The kinds a sweep looks at, owners first (their deletion takes their dependents along).</summary>
    public static IReadOnlyList<ResourceKind> SweptKinds { get; } =
        ResourceKinds.All.Where(kind => kind != ResourceKinds.Event).ToList();

    public static async Task<CleanupResult> RunAsync(LifecycleOptions options, CancellationToken cancellationToken)
    {
        await using var run = LifecycleRun.Begin(options, "cleanup");
        return await run.ExecuteAsync(
            async () =>
            {
                await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var journals = Directory.Exists(options.IntermediateDirectory)
                    ? Directory.GetFiles(options.IntermediateDirectory, "journal-*.jsonl").Where(path => !path.EndsWith($"journal-{run.RunId}.jsonl", StringComparison.Ordinal)).ToList()
                    : [];
                var cleaner = new ResourceCleaner(run.Client) { Timeout = run.Options.CleanupTimeout, Refused = run.Refused };
                var sweep = await FindAsync(
                    run.Client, run.Model, run.Namespace, journals.SelectMany(ResourceJournal.Read), cancellationToken).ConfigureAwait(false);
                var targets = sweep.Found;
                foreach (var warning in sweep.LeftAlone)
                {
                    run.Warn(warning);
                }

                foreach (var target in targets)
                {
                    run.Log.Info($"Found leftover {target}");
                }

                var report = await cleaner.RemoveAsync(targets, cancellationToken).ConfigureAwait(false);
                foreach (var removed in report.Removed.Concat(report.AlreadyGone))
                {
                    run.Report.AddRemoved(removed.ToString());
                }

                foreach (var warning in report.LeftAlone)
                {
                    run.Warn(warning);
                }

                run.Log.Info(targets.Count == 0
                    ? $"Nothing of model {run.Model.Id} was left on the cluster"
                    : $"Removed {report.Removed.Count + report.AlreadyGone.Count} of {targets.Count} leftovers of model {run.Model.Id}");
                var all = sweep.Problems.Concat(report.Problems).ToList();
                if (all.Count > 0)
                {
                    throw new KaptainException(all);
                }

                foreach (var journal in journals)
                {
                    File.Delete(journal);
                }

                var objects = await RemoveContextObjectsAsync(run, cancellationToken).ConfigureAwait(false);
                return new CleanupResult { Found = [.. targets.Select(t => t.ToString())], ObjectsRemoved = objects };
            },
            () => KeepPolicy.RemoveEverything,
            cancellationToken).ConfigureAwait(false);
    }

    // Build contexts of killed build runs, named by their ledgers; the object store is asked only when there are some.
    private static async Task<IReadOnlyList<string>> RemoveContextObjectsAsync(LifecycleRun run, CancellationToken cancellationToken)
    {
        var ledgers = ContextObjectLedger.ReadAll(run.Options.IntermediateDirectory);
        if (ledgers.Count == 0)
        {
            return [];
        }

        var s3 = await StepCredentials.S3Async(run, cancellationToken).ConfigureAwait(false);
        using var store = StepCredentials.ObjectStore(run, s3);
        var removed = new List<string>();
        foreach (var (file, objects) in ledgers)
        {
            foreach (var (bucket, key) in objects)
            {
                await store.DeleteAsync(bucket, key, cancellationToken).ConfigureAwait(false);
                removed.Add($"s3://{bucket}/{key}");
                run.Report.AddRemoved($"s3://{bucket}/{key}");
                run.Log.Info($"Removed leftover build context s3://{bucket}/{key}");
            }

            File.Delete(file);
        }

        return removed;
    }

    private static bool IsOwnedBy(JsonObject item, string? uid) =>
        uid is not null && (item["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(owner => owner?["uid"]?.GetValue<string>() == uid);

    /// <summary>Owners before what they own or use, as the sweep's kind order says.</summary>
    internal static IReadOnlyList<ResourceReference> SweepOrder(IEnumerable<ResourceReference> resources)
    {
        var order = SweptKinds.Select((k, i) => (k.ApiVersion, k.Kind, i)).ToList();
        return resources
            .OrderBy(r => order.FindIndex(o => o.ApiVersion == r.ApiVersion && o.Kind == r.Kind) is var i and >= 0 ? i : int.MaxValue)
            .ToList();
    }

    /// <summary>
    /// What earlier runs of <paramref name="model"/> left, from two sources under one rule. The sources: the objects
    /// the model's labels find (a server that ignores selectors cannot cost another model its objects: each must also
    /// carry the model's full id, else a <c>KAPT4011</c> warning), and the pending entries of killed runs' journals
    /// (read back by name: one whose uid differs is another object, left with a <c>KAPT4010</c> warning). The rule,
    /// the same for both: the published deployment stays (the model's own InferenceService, the ServiceAccount it
    /// uses, the S3 Secret it owns, and what KServe made of it, labelled with its name). Every reference found carries the uid of the object
    /// seen, so the deletes that follow carry it as their precondition.
    /// </summary>
    internal static async Task<SweepFindings> FindAsync(
        IClusterResourceClient client,
        ModelDefinition model,
        string @namespace,
        IEnumerable<JournalEntry> journal,
        CancellationToken cancellationToken)
    {
        var isvcKind = PublishingStep.InferenceServiceKind(model.Publish);
        JsonObject? deployed = null;
        if (await client.IsServedAsync(isvcKind, cancellationToken).ConfigureAwait(false))
        {
            deployed = await client.GetAsync(isvcKind, @namespace, model.Name, cancellationToken).ConfigureAwait(false);
        }

        var deployedUid = deployed is null ? null : KubernetesObjectJson.Uid(deployed);
        var account = deployed is null ? null : KubernetesObjectJson.StringAt(deployed, "spec.predictor.serviceAccountName");
        bool IsDeployment(JsonObject item, ResourceKind kind) =>
            deployed is not null
            && ((kind == isvcKind && KubernetesObjectJson.Uid(item) == deployedUid)
                || (kind == ResourceKinds.ServiceAccount && KubernetesObjectJson.Name(item) == account)
                // The S3 Secret the deployed service owns: its predictor pods read it for as long as it exists.
                || (kind == ResourceKinds.Secret && IsOwnedBy(item, deployedUid))
                || KubernetesObjectJson.Label(item, PublishingStep.InferenceServiceLabel) == model.Name);

        var selector = ManifestLabels.Selector(model);
        var seen = new List<(JsonObject Item, ResourceKind Kind)>();
        var leftAlone = new List<KaptainDiagnostic>();
        var problems = new List<KaptainDiagnostic>();
        foreach (var kind in SweptKinds)
        {
            try
            {
                if (!await client.IsServedAsync(kind, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var list = await client.ListAsync(kind, @namespace, selector, null, cancellationToken).ConfigureAwait(false);
                foreach (var item in list.Items.Where(item =>
                             KubernetesObjectJson.Label(item, ManifestLabels.ManagedBy) == ManifestLabels.ManagedByValue
                             && KubernetesObjectJson.Label(item, ManifestLabels.Model) == ManifestLabels.ModelLabelValue(model.Id)))
                {
                    if (ManifestLabels.IsOf(item, model))
                    {
                        seen.Add((item, kind));
                    }
                    else
                    {
                        var reference = ResourceReference.From(item, @namespace);
                        leftAlone.Add(KaptainDiagnostic.Warning("KAPT4011", reference.ToString(), reference, ModelIdentity.Owner(item), model.Id));
                    }
                }
            }
            catch (KaptainException exception)
            {
                problems.Add(KaptainDiagnostic.Error("KAPT4004", kind.ResourceName, kind.ResourceName, @namespace, exception.Diagnostics[0].ToString()));
            }
        }

        // A killed run's journal may name resources whose labels were changed or never set: read each back by name.
        foreach (var entry in ResourceJournal.PendingOf(journal))
        {
            var recorded = entry.Resource;
            if (seen.Any(s => ResourceReference.From(s.Item, @namespace).SameObjectAs(recorded)))
            {
                continue;
            }

            ResourceKind kind;
            JsonObject? current;
            try
            {
                kind = recorded.ResourceKind;
                if (!await client.IsServedAsync(kind, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                current = await client.GetAsync(kind, recorded.Namespace, recorded.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (KaptainException exception)
            {
                problems.Add(KaptainDiagnostic.Error("KAPT4001", recorded.ToString(), recorded, exception.Diagnostics[0].ToString()));
                continue;
            }

            if (current is null)
            {
                continue;
            }

            var currentUid = KubernetesObjectJson.Uid(current);
            if (recorded.Uid is not null && currentUid != recorded.Uid)
            {
                leftAlone.Add(KaptainDiagnostic.Warning("KAPT4010", recorded.ToString(), recorded, currentUid ?? "(none)", recorded.Uid));
            }
            else if (recorded.Uid is null && !ManifestLabels.IsOf(current, model))
            {
                // An entry without a uid (written before journals recorded uids) proves nothing: the full id decides.
                leftAlone.Add(KaptainDiagnostic.Warning("KAPT4011", recorded.ToString(), recorded, ModelIdentity.Owner(current), model.Id));
            }
            else
            {
                seen.Add((current, kind));
            }
        }

        var found = seen
            .Where(s => !IsDeployment(s.Item, s.Kind))
            .Select(s => ResourceReference.From(s.Item, @namespace))
            .DistinctBy(r => (r.ApiVersion, r.Kind, r.Namespace, r.Name))
            .ToList();
        return new SweepFindings(SweepOrder(found), leftAlone, problems);
    }
}

/// <summary>What a sweep found: what to remove (owners first, with uids), what it leaves with a warning, what it could not check.</summary>
internal sealed record SweepFindings(
    IReadOnlyList<ResourceReference> Found,
    IReadOnlyList<KaptainDiagnostic> LeftAlone,
    IReadOnlyList<KaptainDiagnostic> Problems);
