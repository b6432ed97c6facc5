using System.Globalization;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cleanup;

/// <summary>
/// Removes what a run created: newest first, each with the propagation its kind needs, 404 counting as success,
/// transient faults retried, and (by default) waiting until the resources are really gone. The same code runs on
/// success, failure, cancellation and for a later sweep, and running it twice is harmless.
/// </summary>
/// <remarks>
/// Cleanup after Ctrl+C must run to completion even though the build's token is cancelled: pass
/// <see cref="CancellationToken.None"/> (or a token of your own), never the build's token. The cleaner bounds itself
/// with <see cref="Timeout"/>.
/// </remarks>
public sealed class ResourceCleaner
{
    private readonly IClusterResourceClient client;
    private readonly ResourceJournal? journal;

    /// <summary>Creates a cleaner.</summary>
    /// <param name="client">The resource client.</param>
    /// <param name="journal">Records deletions and keeps; also the source of <see cref="CleanUpRunAsync"/>.</param>
    public ResourceCleaner(IClusterResourceClient client, ResourceJournal? journal = null)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.journal = journal;
    }

    /// <summary>How long one cleanup may take in all, deletes and waiting included; 20 seconds by default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Whether to wait until deleted resources are gone (dependents included, for foreground deletes).</summary>
    public bool WaitForRemoval { get; init; } = true;

    /// <summary>Removes the journal's pending resources of one run (or of every run when <paramref name="runId"/> is null).</summary>
    /// <param name="runId">The run whose resources go.</param>
    /// <param name="outcome">How the run ended; decides with <paramref name="keep"/> what stays.</param>
    /// <param name="keep">What stays on purpose.</param>
    /// <param name="cancellationToken">Not the build's token (see the remarks on the class).</param>
    public Task<CleanupReport> CleanUpRunAsync(
        string? runId, RunOutcome outcome, KeepPolicy keep, CancellationToken cancellationToken = default)
    {
        if (journal is null)
        {
            throw new InvalidOperationException("This cleaner has no journal; pass the entries to CleanUpAsync.");
        }

        return CleanUpAsync(journal.Pending(runId), outcome, keep, cancellationToken);
    }

    /// <summary>Removes created resources, given in creation order (for example a killed run's journal file).</summary>
    public Task<CleanupReport> CleanUpAsync(
        IEnumerable<JournalEntry> created, RunOutcome outcome, KeepPolicy keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(keep);
        var targets = created
            .Where(entry => entry.Action == JournalAction.Created)
            .Reverse()
            .Select(entry => new Target(entry.Resource, entry.Step, entry.RunId))
            .ToList();
        return RunAsync(targets, outcome, keep, cancellationToken);
    }

    /// <summary>Removes resources in the order given (a sweep gives owners first).</summary>
    public Task<CleanupReport> RemoveAsync(
        IReadOnlyList<ResourceReference> inDeletionOrder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inDeletionOrder);
        var targets = inDeletionOrder.Select(resource => new Target(resource, null, null)).ToList();
        return RunAsync(targets, RunOutcome.Sweep, KeepPolicy.RemoveEverything, cancellationToken);
    }

    private async Task<CleanupReport> RunAsync(
        IReadOnlyList<Target> targets, RunOutcome outcome, KeepPolicy keep, CancellationToken cancellationToken)
    {
        if (targets.Count == 0)
        {
            return CleanupReport.Empty;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var deleted = new List<ResourceReference>();
        var alreadyGone = new List<ResourceReference>();
        var kept = new List<ResourceReference>();
        var problems = new List<KaptainDiagnostic>();
        var leftAlone = new List<KaptainDiagnostic>();
        var seconds = ((int)Math.Ceiling(Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

        foreach (var target in targets)
        {
            var resource = target.Resource;
            if (keep.ShouldKeep(resource, outcome))
            {
                kept.Add(resource);
                journal?.Record(JournalAction.Kept, resource, target.Step, target.RunId);
                continue;
            }

            if (deadline.IsCancellationRequested)
            {
                problems.Add(KaptainDiagnostic.Error("KAPT4003", resource.ToString(), resource, seconds));
                continue;
            }

            try
            {
                // With the uid it was created (or found) with: a later object of the same name is not ours to delete.
                var accepted = await client
                    .DeleteAsync(resource.ResourceKind, resource.Namespace, resource.Name, null, resource.Uid, deadline.Token)
                    .ConfigureAwait(false);
                (accepted ? deleted : alreadyGone).Add(resource);
                journal?.Record(JournalAction.Deleted, resource, target.Step, target.RunId);
            }
            catch (ResourceReplacedException replaced)
            {
                // The object created is gone (nothing of it is pending); the one now there is left, with a warning.
                leftAlone.Add(replaced.Warning);
                journal?.Record(JournalAction.Deleted, resource, target.Step, target.RunId);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                problems.Add(KaptainDiagnostic.Error("KAPT4003", resource.ToString(), resource, seconds));
            }
            catch (Exception exception) when (exception is KaptainException or ArgumentException)
            {
                var reason = exception is KaptainException coded ? coded.Diagnostics[0].ToString() : exception.Message;
                problems.Add(KaptainDiagnostic.Error("KAPT4001", resource.ToString(), resource, reason));
            }
        }

        var removed = deleted;
        if (WaitForRemoval && deleted.Count > 0)
        {
            removed = await WaitUntilGoneAsync(deleted, problems, seconds, deadline.Token).ConfigureAwait(false);
        }

        return new CleanupReport(removed, alreadyGone, kept, problems) { LeftAlone = leftAlone };
    }

    private async Task<List<ResourceReference>> WaitUntilGoneAsync(
        List<ResourceReference> deleted, List<KaptainDiagnostic> problems, string seconds, CancellationToken deadline)
    {
        var watch = new ResourceWatch(client);
        var waits = deleted.Select(async resource =>
        {
            try
            {
                return await watch
                    .WaitForDeletionAsync(
                        resource.ResourceKind, resource.Namespace, resource.Name, resource.Uid,
                        System.Threading.Timeout.InfiniteTimeSpan, deadline)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (KaptainException)
            {
                // The delete was accepted; not being able to watch it go does not make it a failure.
                return true;
            }
        }).ToList();
        var gone = await Task.WhenAll(waits).ConfigureAwait(false);

        var removed = new List<ResourceReference>();
        for (var i = 0; i < deleted.Count; i++)
        {
            if (gone[i])
            {
                removed.Add(deleted[i]);
            }
            else
            {
                problems.Add(KaptainDiagnostic.Error("KAPT4002", deleted[i].ToString(), deleted[i], seconds));
            }
        }

        return removed;
    }

    private sealed record Target(ResourceReference Resource, string? Step, string? RunId);
}
