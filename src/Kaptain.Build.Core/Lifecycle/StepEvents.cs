using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>The Events a failure diagnostic quotes: those of the step's workload and of the pods made for it.</summary>
internal static class StepEvents
{
    /// <summary>
    /// The last 15 distinct Events of the object <paramref name="kind"/>/<paramref name="name"/> and of the pods
    /// <paramref name="podSelector"/> selects, one per line; a note instead when they cannot be read (the failure
    /// being reported matters more).
    /// </summary>
    public static async Task<string> DescribeAsync(
        LifecycleRun run, ResourceKind kind, string name, string podSelector, CancellationToken cancellationToken)
    {
        try
        {
            var events = await new PodEvents(run.Client)
                .ForWorkloadAsync(run.Namespace, kind.Kind, name, podSelector, cancellationToken)
                .ConfigureAwait(false);
            return LifecycleText.Lines(events.Select(e => e.ToString()).Distinct(StringComparer.Ordinal).TakeLast(15), "  (none)");
        }
        catch (KaptainException exception)
        {
            run.Refused.Refused(exception, $"the failure of {kind.Kind} {name} is reported without its Events");
            return $"  (the events could not be read: {exception.Diagnostics[0].Code})";
        }
    }
}
