using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The undeploy step: removes the model's InferenceService (and waits until it and its dependents are gone), then the
/// ServiceAccounts and Secrets publish runs left for it.
/// </summary>
internal static class UndeployStep
{
    public static async Task<UndeployResult> RunAsync(LifecycleOptions options, CancellationToken cancellationToken)
    {
        await using var run = LifecycleRun.Begin(options, "undeploy");
        var model = run.Model;
        var kind = PublishingStep.InferenceServiceKind(model.Publish);
        return await run.ExecuteAsync(
            async () =>
            {
                await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var name = model.Name;
                run.Report.Set("inferenceService", name);
                var service = await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false);
                var targets = new List<ResourceReference>();
                if (service is null)
                {
                    run.Warn(KaptainDiagnostic.Warning("KAPT5001", name, name, run.Namespace));
                }
                else
                {
                    // Two models can share a Kubernetes name (team-a/mnist and team-b/mnist are both "mnist"): only the
                    // service whose model-id annotation is this model's id is this model's to remove.
                    ModelIdentity.EnsureOwn(service, model, kind, run.Namespace);
                    targets.Add(ResourceReference.From(service, run.Namespace));
                }

                var selector = ManifestLabels.Selector(run.Model, LifecycleStep.Publish);
                foreach (var credentials in new[] { ResourceKinds.ServiceAccount, ResourceKinds.Secret })
                {
                    var list = await run.Client.ListAsync(credentials, run.Namespace, selector, null, cancellationToken).ConfigureAwait(false);
                    targets.AddRange(list.Items.Where(item => ManifestLabels.IsOf(item, model)).Select(item => ResourceReference.From(item, run.Namespace)));
                }

                var report = await new ResourceCleaner(run.Client) { Timeout = run.Options.CleanupTimeout, Refused = run.Refused }
                    .RemoveAsync(targets, cancellationToken).ConfigureAwait(false);
                foreach (var removed in report.Removed.Concat(report.AlreadyGone))
                {
                    run.Report.AddRemoved(removed.ToString());
                    run.Log.Info($"Removed {removed}");
                }

                foreach (var left in report.LeftAlone)
                {
                    run.Warn(left);
                }

                if (report.Problems.Count > 0)
                {
                    throw new KaptainException(report.Problems);
                }

                return new UndeployResult { InferenceServiceName = name, Found = service is not null };
            },
            () => KeepPolicy.RemoveEverything,
            cancellationToken).ConfigureAwait(false);
    }
}
