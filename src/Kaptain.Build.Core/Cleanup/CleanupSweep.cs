using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;

namespace Kaptain.Build.Cleanup;

/// <summary>
/// Finds what earlier runs of a model left on the cluster (a run killed with SIGKILL cannot clean up) by the labels
/// every created resource carries, and removes it with the <see cref="ResourceCleaner"/>. Only resources labelled
/// <c>app.kubernetes.io/managed-by=kaptain-build</c> and <c>kaptain.build/model=&lt;model&gt;</c> are touched; kinds
/// whose API the cluster does not serve are skipped.
/// </summary>
public sealed class CleanupSweep
{
    private readonly IClusterResourceClient client;
    private readonly ResourceCleaner cleaner;

    /// <summary>Creates a sweep.</summary>
    public CleanupSweep(IClusterResourceClient client, ResourceCleaner cleaner)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.cleaner = cleaner ?? throw new ArgumentNullException(nameof(cleaner));
    }

    /// <summary>The kinds a sweep looks at, owners first (their deletion takes their dependents along).</summary>
    public static IReadOnlyList<ResourceKind> SweptKinds { get; } =
        ResourceKinds.All.Where(kind => kind != ResourceKinds.Event).ToList();

    /// <summary>
    /// The label selector of a model's resources (of one run when <paramref name="runId"/> is given), from the model id
    /// already made a label value; <see cref="ManifestLabels.Selector"/> builds the same from a model definition.
    /// </summary>
    public static string Selector(string modelLabelValue, string? runId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelLabelValue);
        var selector = $"{ManifestLabels.ManagedBy}={ManifestLabels.ManagedByValue},{ManifestLabels.Model}={modelLabelValue}";
        return string.IsNullOrEmpty(runId) ? selector : $"{selector},{ManifestLabels.Run}={runId}";
    }

    /// <summary>Finds the model's resources without deleting anything.</summary>
    /// <param name="modelLabelValue">The model id made a label value (<c>dev-mnist</c>).</param>
    /// <param name="runId">Only this run's resources, or every run's when <see langword="null"/>.</param>
    /// <param name="namespace">The namespace; the client's default when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>What was found, in deletion order, and a <c>KAPT4004</c> for each kind that could not be listed.</returns>
    public async Task<(IReadOnlyList<ResourceReference> Found, IReadOnlyList<KaptainDiagnostic> Problems)> FindAsync(
        string modelLabelValue, string? runId, string? @namespace, CancellationToken cancellationToken)
    {
        var selector = Selector(modelLabelValue, runId);
        var ns = @namespace ?? client.DefaultNamespace;
        var found = new List<ResourceReference>();
        var problems = new List<KaptainDiagnostic>();
        foreach (var kind in SweptKinds)
        {
            try
            {
                if (!await client.IsServedAsync(kind, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var list = await client.ListAsync(kind, ns, selector, null, cancellationToken).ConfigureAwait(false);
                found.AddRange(list.Items
                    .Where(item => Matches(item, modelLabelValue, runId))
                    .Select(item => ResourceReference.From(item, ns)));
            }
            catch (KaptainException exception)
            {
                problems.Add(KaptainDiagnostic.Error(
                    "KAPT4004", kind.ResourceName, kind.ResourceName, ns, exception.Diagnostics[0].ToString()));
            }
        }

        return (found, problems);
    }

    /// <summary>Finds the model's resources and removes them.</summary>
    /// <param name="modelLabelValue">The model id made a label value (<c>dev-mnist</c>).</param>
    /// <param name="runId">Only this run's resources, or every run's when <see langword="null"/>.</param>
    /// <param name="namespace">The namespace; the client's default when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Not the build's token when sweeping after a cancellation.</param>
    public async Task<CleanupReport> SweepAsync(
        string modelLabelValue, string? runId, string? @namespace, CancellationToken cancellationToken = default)
    {
        var (found, problems) = await FindAsync(modelLabelValue, runId, @namespace, cancellationToken).ConfigureAwait(false);
        var report = await cleaner.RemoveAsync(found, cancellationToken).ConfigureAwait(false);
        return problems.Count == 0 ? report : report with { Problems = [.. problems, .. report.Problems] };
    }

    // The server filters by the selector; this check keeps a server that ignores selectors from costing another
    // model its resources.
    private static bool Matches(System.Text.Json.Nodes.JsonObject item, string model, string? runId) =>
        KubernetesObjectJson.Label(item, ManifestLabels.ManagedBy) == ManifestLabels.ManagedByValue
        && KubernetesObjectJson.Label(item, ManifestLabels.Model) == model
        && (runId is null || KubernetesObjectJson.Label(item, ManifestLabels.Run) == runId);
}
