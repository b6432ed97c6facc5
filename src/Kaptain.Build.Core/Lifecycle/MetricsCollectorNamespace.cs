using System.Net;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Katib injects its metrics collector (the StdOut sidecar that reads the trials' <c>name=value</c> lines) only into
/// pods of namespaces labelled <see cref="Label"/>=<c>enabled</c>: its mutating webhook's <c>namespaceSelector</c>
/// (kubeflow/katib manifests/v1beta1/components/webhook/webhooks.yaml). Without the label every trial's job succeeds and
/// no metric is recorded: the trials end <c>MetricsUnavailable</c> (kubeflow/katib#1795). So the tune step checks the
/// label before it creates the Experiment.
/// </summary>
internal static class MetricsCollectorNamespace
{
    /// <summary>The namespace label Katib's webhook selects on.</summary>
    public const string Label = "katib.kubeflow.org/metrics-collector-injection";

    private static readonly ResourceKind Namespace = new("", "v1", "Namespace", "namespaces", DeletePropagation.Background);

    /// <summary>
    /// Throws <c>KAPT1030</c> when the run's namespace lacks the label; warns <c>KAPT5031</c> when the namespace cannot
    /// be read (a user allowed to create Experiments need not be allowed to read namespaces).
    /// </summary>
    public static async Task CheckAsync(LifecycleRun run, CancellationToken cancellationToken)
    {
        var name = run.Namespace;
        IDictionary<string, string>? labels;
        try
        {
            labels = await run.Resilience.ExecuteAsync(
                async token =>
                {
                    using var response = await run.Connection.Client.CoreV1.ReadNamespaceWithHttpMessagesAsync(name, cancellationToken: token).ConfigureAwait(false);
                    return response.Body.Metadata?.Labels;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) is HttpStatusCode.Forbidden)
        {
            run.Warn(KaptainDiagnostic.Warning("KAPT5031", name, name, Label));
            return;
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(run.Connection, exception, "get", Namespace, null, name);
        }

        var value = labels is not null && labels.TryGetValue(Label, out var found) ? found : null;
        if (value != "enabled")
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT1030", name, name, Label, value ?? "(none)"));
        }
    }
}
