using System.Diagnostics;
using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Waits for a step's resource with <see cref="ResourceWatch"/>, and starts the watch again when it gives up on a
/// stream that keeps ending (<c>KAPT1006</c>) while the step still has time: a training job may show no change for
/// longer than a watch stays open, and that must not fail the step. A server that is really gone fails the next
/// attempt's list at once.
/// </summary>
internal static class StepWatch
{
    public static async Task<ResourceWaitResult> WaitForAsync(
        LifecycleRun run,
        ResourceKind kind,
        string name,
        Func<JsonObject, bool> isDone,
        TimeSpan timeout,
        Action<JsonObject>? onChange,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var watch = new ResourceWatch(run.Client);
        while (true)
        {
            var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - clock.Elapsed;
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                return new ResourceWaitResult(
                    ResourceWaitOutcome.TimedOut, await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false));
            }

            try
            {
                return await watch.WaitForAsync(kind, run.Namespace, name, isDone, left, onChange, cancellationToken).ConfigureAwait(false);
            }
            catch (KaptainException exception) when (exception.Diagnostics[0].Code == "KAPT1006" && !cancellationToken.IsCancellationRequested)
            {
                run.Log.Detail($"The watch of {kind.Kind} {name} ended ({exception.Diagnostics[0].Code}); watching again");
            }
        }
    }
}
