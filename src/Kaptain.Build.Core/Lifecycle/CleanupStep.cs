using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

using Kaptain.Build.Manifests;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The sweep (<c>KaptainCleanup</c>): what earlier runs of the model left on the cluster, found by the model's labels
/// and in the journals of runs that were killed, is removed, except the published deployment (the InferenceService
/// and the ServiceAccount it uses; <c>KaptainUndeploy</c> removes those). Kept training jobs and experiments go too.
/// </summary>
internal static class CleanupStep
{
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
                var cleaner = new ResourceCleaner(run.Client) { Timeout = run.Options.CleanupTimeout };
                var (targets, problems) = await FindAsync(run, cancellationToken).ConfigureAwait(false);

                // A killed run's journal may name resources whose labels were changed or never set.
                foreach (var entry in ResourceJournal.PendingOf(journals.SelectMany(ResourceJournal.Read)))
                {
                    if (!targets.Any(t => t.SameObjectAs(entry.Resource)))
                    {
                        targets.Add(entry.Resource);
                    }
                }

                foreach (var target in targets)
                {
                    run.Log.Info($"Found leftover {target}");
                }

                var report = await cleaner.RemoveAsync(SweepOrder(targets), cancellationToken).ConfigureAwait(false);
                foreach (var removed in report.Removed.Concat(report.AlreadyGone))
                {
                    run.Report.AddRemoved(removed.ToString());
                }

                run.Log.Info(targets.Count == 0
                    ? $"Nothing of model {run.Model.Id} was left on the cluster"
                    : $"Removed {report.Removed.Count + report.AlreadyGone.Count} of {targets.Count} leftovers of model {run.Model.Id}");
                var all = problems.Concat(report.Problems).ToList();
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

    /// <summary>Owners before what they own or use, as the sweep's kind order says.</summary>
    internal static IReadOnlyList<ResourceReference> SweepOrder(IEnumerable<ResourceReference> resources)
    {
        var order = CleanupSweep.SweptKinds.Select((k, i) => (k.ApiVersion, k.Kind, i)).ToList();
        return resources
            .OrderBy(r => order.FindIndex(o => o.ApiVersion == r.ApiVersion && o.Kind == r.Kind) is var i and >= 0 ? i : int.MaxValue)
            .ToList();
    }

    /// <summary>
    /// The model's resources by label, owners first, except the published deployment: the InferenceService named after
    /// the model, the ServiceAccount it uses, and what KServe made of it (labelled with its name).
    /// </summary>
    private static async Task<(List<ResourceReference> Found, List<KaptainDiagnostic> Problems)> FindAsync(
        LifecycleRun run, CancellationToken cancellationToken)
    {
        var isvcKind = PublishingStep.InferenceServiceKind(run.Model.Publish);
        JsonObject? deployed = null;
        if (await run.Client.IsServedAsync(isvcKind, cancellationToken).ConfigureAwait(false))
        {
            deployed = await run.Client.GetAsync(isvcKind, run.Namespace, run.Model.Name, cancellationToken).ConfigureAwait(false);
        }

        var account = deployed is null ? null : KubernetesObjectJson.StringAt(deployed, "spec.predictor.serviceAccountName");
        bool IsDeployment(JsonObject item, ResourceKind kind) =>
            deployed is not null
            && ((kind.Kind == isvcKind.Kind && KubernetesObjectJson.Name(item) == run.Model.Name)
                || (kind == ResourceKinds.ServiceAccount && KubernetesObjectJson.Name(item) == account)
                || KubernetesObjectJson.Label(item, PublishingStep.InferenceServiceLabel) == run.Model.Name);

        var selector = ManifestLabels.Selector(run.Model);
        var found = new List<ResourceReference>();
        var problems = new List<KaptainDiagnostic>();
        foreach (var kind in CleanupSweep.SweptKinds)
        {
            try
            {
                if (!await run.Client.IsServedAsync(kind, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var list = await run.Client.ListAsync(kind, run.Namespace, selector, null, cancellationToken).ConfigureAwait(false);
                found.AddRange(list.Items
                    .Where(item => KubernetesObjectJson.Label(item, ManifestLabels.ManagedBy) == ManifestLabels.ManagedByValue
                                   && KubernetesObjectJson.Label(item, ManifestLabels.Model) == run.ModelLabel
                                   && !IsDeployment(item, kind))
                    .Select(item => ResourceReference.From(item, run.Namespace)));
            }
            catch (KaptainException exception)
            {
                problems.Add(KaptainDiagnostic.Error("KAPT4004", kind.ResourceName, kind.ResourceName, run.Namespace, exception.Diagnostics[0].ToString()));
            }
        }

        return (found, problems);
    }
}
