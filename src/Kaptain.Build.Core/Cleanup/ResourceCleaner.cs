using System.Globalization;
using System.Text.Json.Nodes;
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

    /// <summary>
    /// Told when the wait until a deleted object is gone may not watch its kind (403 on list or watch) and confirms the
    /// deletion with gets instead; optional.
    /// </summary>
    public IRefusedRequestReport? Refused { get; init; }

    /// <summary>Whether to wait until deleted resources are gone (dependents included, for foreground deletes).</summary>
    public bool WaitForRemoval { get; init; } = true;

    /// <summary>
    /// How long a cleanup after Ctrl+C or a CI cancellation (<see cref="RunOutcome.Cancelled"/>) waits for what it
    /// deleted to go; 5 seconds by default. Such a cleanup deletes with background propagation: the API removes the
    /// owner at once and the garbage collector its pods, which get their own grace period (30 s by default) — waiting
    /// for them, as a foreground delete does, would outlast any CI system's interruption grace period. What is not
    /// gone yet but being deleted is reported as such (KAPT4023), not as removed.
    /// </summary>
    public TimeSpan InterruptionBudget { get; init; } = TimeSpan.FromSeconds(5);

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
        var interrupted = outcome == RunOutcome.Cancelled;
        var deleted = new List<ResourceReference>();
        var alreadyGone = new List<ResourceReference>();
        var kept = new List<ResourceReference>();
        var problems = new List<KaptainDiagnostic>();
        var leftAlone = new List<KaptainDiagnostic>();
        var seconds = Seconds(Timeout);

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
                    .DeleteAsync(resource.ResourceKind, resource.Namespace, resource.Name, interrupted ? DeletePropagation.Background : null, resource.Uid, deadline.Token)
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
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            var limit = Timeout;
            if (interrupted && InterruptionBudget < Timeout)
            {
                wait.CancelAfter(InterruptionBudget);
                limit = InterruptionBudget;
            }

            removed = await WaitUntilGoneAsync(deleted, problems, Seconds(limit), wait.Token).ConfigureAwait(false);
        }

        return new CleanupReport(removed, alreadyGone, kept, problems) { LeftAlone = leftAlone };
    }

    private static string Seconds(TimeSpan time) => ((int)Math.Ceiling(time.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    // Gone means seen gone: the watch saw it deleted (or replaced by a new object of its name), or — when the watch
    // cannot run, for example because listing the kind is forbidden — a get answered 404. A delete the API accepted is
    // otherwise not a removal: it is reported as unconfirmed (KAPT4021) or under way (KAPT4023).
    private async Task<List<ResourceReference>> WaitUntilGoneAsync(
        List<ResourceReference> deleted, List<KaptainDiagnostic> problems, string seconds, CancellationToken deadline)
    {
        var watch = new ResourceWatch(client);
        var waits = deleted.Select(resource => WaitUntilGoneAsync(watch, resource, deadline)).ToList();
        var ends = await Task.WhenAll(waits).ConfigureAwait(false);

        var removed = new List<ResourceReference>();
        for (var i = 0; i < deleted.Count; i++)
        {
            var (state, reason) = ends[i];
            var resource = deleted[i];
            switch (state)
            {
                case Removal.Gone:
                    removed.Add(resource);
                    break;
                case Removal.Unconfirmed:
                    problems.Add(KaptainDiagnostic.Error("KAPT4021", resource.ToString(), resource, reason));
                    break;
                case Removal.UnderWay:
                    problems.Add(KaptainDiagnostic.Error("KAPT4023", resource.ToString(), resource, seconds));
                    break;
                default:
                    problems.Add(KaptainDiagnostic.Error("KAPT4002", resource.ToString(), resource, seconds));
                    break;
            }
        }

        return removed;
    }

    private async Task<(Removal State, string? Reason)> WaitUntilGoneAsync(ResourceWatch watch, ResourceReference resource, CancellationToken deadline)
    {
        JsonObject? last = null;
        try
        {
            var result = await watch
                .WaitForAsync(
                    resource.ResourceKind, resource.Namespace, resource.Name,
                    current => resource.Uid is not null && KubernetesObjectJson.Uid(current) is { } uid && uid != resource.Uid,
                    System.Threading.Timeout.InfiniteTimeSpan, null, deadline)
                .ConfigureAwait(false);
            return (result.Outcome == ResourceWaitOutcome.TimedOut ? Classify(result.Resource) : Removal.Gone, null);
        }
        catch (OperationCanceledException)
        {
            // The deadline passed; what is it now?
        }
        catch (KaptainException exception)
        {
            // The watch (a list and a watch) was refused or failed: a get of the one object may still be allowed.
            Refused?.Refused(
                exception,
                $"the deletion of {resource.Kind} {resource.Name} is not seen as it happens",
                "each deleted object is looked at with get until it is gone");
            var confirmed = await ConfirmWithGetAsync(resource, deadline).ConfigureAwait(false);
            return confirmed.State == Removal.Unconfirmed
                ? (Removal.Unconfirmed, $"{ServerMessage.Quote(exception.Diagnostics[0].ToString())}; {confirmed.Reason}")
                : confirmed;
        }

        using var lastLook = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            last = await client.GetAsync(resource.ResourceKind, resource.Namespace, resource.Name, lastLook.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is KaptainException or OperationCanceledException)
        {
            return (Removal.StillPresent, null);
        }

        return last is null || (resource.Uid is not null && KubernetesObjectJson.Uid(last) != resource.Uid)
            ? (Removal.Gone, null)
            : (Classify(last), null);
    }

    private async Task<(Removal State, string? Reason)> ConfirmWithGetAsync(ResourceReference resource, CancellationToken deadline)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            JsonObject? current;
            try
            {
                current = await client.GetAsync(resource.ResourceKind, resource.Namespace, resource.Name, deadline).ConfigureAwait(false);
            }
            catch (KaptainException exception)
            {
                return (Removal.Unconfirmed, $"a get was refused as well: {ServerMessage.Quote(exception.Diagnostics[0].Message)}");
            }
            catch (OperationCanceledException)
            {
                return (Removal.StillPresent, null);
            }

            if (current is null || (resource.Uid is not null && KubernetesObjectJson.Uid(current) != resource.Uid))
            {
                return (Removal.Gone, null);
            }

            // Without a watch the object is looked at again, less and less often, until the deadline.
            try
            {
                await Task.Delay(delay, deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (Classify(current), null);
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    // Still there at the deadline: being deleted (a deletionTimestamp: finalizers or, for a foreground delete,
    // dependents still going), or not.
    private static Removal Classify(JsonObject? last) =>
        last is not null && KubernetesObjectJson.IsTerminating(last) ? Removal.UnderWay : Removal.StillPresent;

    private enum Removal
    {
        Gone,
        UnderWay,
        StillPresent,
        Unconfirmed,
    }

    private sealed record Target(ResourceReference Resource, string? Step, string? RunId);
}
