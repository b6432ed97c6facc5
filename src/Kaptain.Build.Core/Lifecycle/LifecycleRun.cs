using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.Build.Validation;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// One run of one step: its id, its log and report, and (once connected) the cluster client whose creates are recorded
/// in the run's journal. <see cref="ExecuteAsync{T}"/> gives every step the same ending: on failure and cancellation
/// the run's resources are removed by the same cleaner (bounded by <see cref="LifecycleOptions.CleanupTimeout"/>, never
/// by the cancelled token), errors are logged once, and the report is written however the step ends.
/// </summary>
internal sealed class LifecycleRun : IAsyncDisposable
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private KubernetesConnection? connection;
    private ClusterResourceClient? client;
    private ResourceJournal? journal;
    private readonly List<IDisposable> owned = [];

    private LifecycleRun(LifecycleOptions options, string stepName)
    {
        Options = options;
        RunId = string.IsNullOrEmpty(options.RunId) ? Manifests.RunContext.NewRunId() : options.RunId;
        Log = options.Log ?? SilentLifecycleLog.Instance;
        Environment = new LifecycleEnvironment(options.Environment);
        Report = new RunReport(stepName, RunId, options.Model.Id, DateTimeOffset.UtcNow);
        Refused = new RefusedSideRequests(this, RefusedSideRequests.RoleOf(stepName));
    }

    public LifecycleOptions Options { get; }

    public ModelDefinition Model => Options.Model;

    public string RunId { get; }

    public ILifecycleLog Log { get; }

    public LifecycleEnvironment Environment { get; }

    public RunReport Report { get; }

    public ClusterResilience Resilience { get; } = new();

    /// <summary>Reports the side requests the step's account may not make (<c>KAPT5070</c>, <c>KAPT5071</c>), once each.</summary>
    public RefusedSideRequests Refused { get; }

    /// <summary>The model id as a label value (<see cref="ManifestLabels.ModelLabelValue"/>).</summary>
    public string ModelLabel => ManifestLabels.ModelLabelValue(Model.Id);

    /// <summary>The selector of this run's resources of <paramref name="step"/> (their pods carry the same labels).</summary>
    public string RunSelector(LifecycleStep step) =>
        ManifestLabels.Selector(Model, step, RunId);

    public IClusterResourceClient Client => client ?? throw new InvalidOperationException("Not connected.");

    public KubernetesConnection Connection => connection ?? throw new InvalidOperationException("Not connected.");

    public string Namespace => Connection.Namespace;

    public bool IsConnected => client is not null;

    public TimeSpan Elapsed => clock.Elapsed;

    public static LifecycleRun Begin(LifecycleOptions options, string stepName)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Model);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.IntermediateDirectory);
        return new LifecycleRun(options, stepName);
    }

    /// <summary>The journal file of a run: <c>obj/kaptain/journal-{run}.jsonl</c>.</summary>
    public static string JournalPath(string directory, string runId) => Path.Combine(directory, $"journal-{runId}.jsonl");

    /// <summary>Opens the connection (configuration only, then one discovery request) and the run's journal.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var cluster = Model.Cluster;
        connection = KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = cluster.Kubeconfig, Context = cluster.Context, Namespace = cluster.Namespace },
            Environment,
            Options.ClusterHandlers?.Invoke() ?? []);
        foreach (var warning in connection.Warnings)
        {
            Warn(warning);
        }

        await connection.VerifyAsync(Resilience, cancellationToken).ConfigureAwait(false);
        Log.Detail($"Cluster: {connection.Description}");
        Report.Set("namespace", connection.Namespace);
        if (cluster.CreateNamespace && await NamespaceCreation.EnsureAsync(connection, Resilience, cancellationToken).ConfigureAwait(false))
        {
            // Not journalled: the namespace outlives the run (KaptainCreateNamespace, as helm's --create-namespace).
            Report.Set("namespaceCreated", true);
            Log.Info($"Created Namespace {connection.Namespace} (KaptainCreateNamespace; it stays when the step ends)");
        }

        journal = ResourceJournal.Open(JournalPath(Options.IntermediateDirectory, RunId));
        client = new ClusterResourceClient(connection, Resilience, journal);
    }

    /// <summary>Creates a resource (recorded in the journal the moment the API accepts it) and says so.</summary>
    public async Task<JsonObject> CreateAsync(IKubernetesObject<V1ObjectMeta> resource, CancellationToken cancellationToken)
    {
        var created = await Client.CreateAsync(KubernetesObjectJson.FromModel(resource), cancellationToken).ConfigureAwait(false);
        var reference = ResourceReference.From(created, Namespace);
        Report.AddCreated(reference.ToString());
        Log.Info($"Created {reference.Kind} {reference.Name}");
        return created;
    }

    /// <summary>
    /// Removes this run's pending resources, except what <paramref name="keep"/> keeps after <paramref name="outcome"/>.
    /// Runs on its own token, bounded by the cleanup timeout; problems become warnings.
    /// </summary>
    public async Task<CleanupReport> CleanUpAsync(RunOutcome outcome, KeepPolicy keep)
    {
        if (client is null || journal is null || journal.Pending(RunId).Count == 0)
        {
            return CleanupReport.Empty;
        }

        var cleaner = new ResourceCleaner(client, journal) { Timeout = Options.CleanupTimeout, Refused = Refused };
        var report = await cleaner.CleanUpRunAsync(RunId, outcome, keep, CancellationToken.None).ConfigureAwait(false);
        foreach (var resource in report.Removed.Concat(report.AlreadyGone))
        {
            Report.AddRemoved(resource.ToString());
            Log.Detail($"Removed {resource}");
        }

        foreach (var resource in report.Kept)
        {
            Report.AddKept(resource.ToString());
        }

        foreach (var problem in report.Problems.Concat(report.LeftAlone))
        {
            Warn(problem with { Severity = DiagnosticSeverity.Warning });
        }

        return report;
    }

    /// <summary>Logs and records a warning.</summary>
    public void Warn(KaptainDiagnostic warning)
    {
        Report.AddDiagnostic(warning);
        Log.Warning(warning);
    }

    /// <summary>
    /// Runs a step's body and gives it the common ending. <paramref name="keepOnFailure"/> says what a failed run leaves
    /// (a cancelled run leaves nothing), asked when the failure happens. The body does its own success cleanup.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<Task<T>> body, Func<KeepPolicy> keepOnFailure, CancellationToken cancellationToken)
        where T : LifecycleStepResult
    {
        try
        {
            var result = await body().ConfigureAwait(false);
            var path = Finish("succeeded");
            return (T)(result with
            {
                RunId = RunId,
                Duration = clock.Elapsed,
                Created = Report.Created,
                Removed = Report.Removed,
                Kept = Report.Kept,
                ReportPath = path,
                Retries = Resilience.RetryCount,
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.Info($"Cancelled; removing what run {RunId} created");
            await CleanUpAsync(RunOutcome.Cancelled, KeepPolicy.RemoveEverything).ConfigureAwait(false);
            await OnEndAsync(RunOutcome.Cancelled).ConfigureAwait(false);
            Finish("cancelled");
            throw;
        }
        catch (KaptainException exception)
        {
            foreach (var diagnostic in exception.Diagnostics)
            {
                Report.AddDiagnostic(diagnostic);
                Log.Error(diagnostic);
            }

            await CleanUpAsync(RunOutcome.Failed, keepOnFailure()).ConfigureAwait(false);
            await OnEndAsync(RunOutcome.Failed).ConfigureAwait(false);
            Finish("failed");
            throw;
        }
        catch (Exception)
        {
            // A bug or an unexpected fault: still leave nothing behind but what a failure may keep.
            await CleanUpAsync(RunOutcome.Failed, keepOnFailure()).ConfigureAwait(false);
            await OnEndAsync(RunOutcome.Failed).ConfigureAwait(false);
            Finish("failed");
            throw;
        }
    }

    /// <summary>Keeps <paramref name="disposable"/> open until the run ends (cleanup after a failure may still need it).</summary>
    public T Own<T>(T disposable)
        where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    /// <summary>Work every ending does after cluster cleanup (the build step removes its context object here).</summary>
    public Func<RunOutcome, Task>? OnEnd { get; set; }

    private async Task OnEndAsync(RunOutcome outcome)
    {
        if (OnEnd is { } onEnd)
        {
            await onEnd(outcome).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the run report; a failure to write it is a warning, not the step's failure.</summary>
    public string Finish(string outcome)
    {
        Report.Set("outcome", outcome);
        // How often the cluster layer retried a transient fault (500, 429, a dropped connection, a dropped watch).
        Report.Set("retries", Resilience.RetryCount);
        try
        {
            return Report.Write(Options.IntermediateDirectory, outcome, DateTimeOffset.UtcNow, clock.Elapsed);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var path = Path.Combine(Options.IntermediateDirectory, RunReport.FileName(Report.Step));
            Warn(KaptainDiagnostic.Warning("KAPT5003", path, path, exception.Message));
            return path;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (journal is not null)
        {
            var nothingLeft = journal.Pending(RunId).Count == 0;
            var path = journal.Path;
            journal.Dispose();
            if (nothingLeft && path is not null)
            {
                // Only a journal with resources still on the cluster is worth keeping for the sweep.
                TryDelete(path);
            }
        }

        foreach (var disposable in owned)
        {
            disposable.Dispose();
        }

        connection?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
