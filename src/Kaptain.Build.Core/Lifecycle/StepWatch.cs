using System.Diagnostics;
using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Waits for a step's resource with <see cref="ResourceWatch"/>, and starts the watch again when it gives up on a
/// stream that keeps ending (<c>KAPT1006</c>) while the step still has time: a training job may show no change for
/// longer than a watch stays open, and that must not fail the step. Before watching again the resource is read once:
/// a server that is really gone fails that read, which ends the step.
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
                // A server that is really gone fails this read too (after its own retries), and that ends the step.
                var current = await run.Client.GetAsync(kind, run.Namespace, name, cancellationToken).ConfigureAwait(false);
                if (current is null)
                {
                    return new ResourceWaitResult(ResourceWaitOutcome.Deleted, null);
                }

                onChange?.Invoke(current);
                if (isDone(current))
                {
                    return new ResourceWaitResult(ResourceWaitOutcome.Satisfied, current);
                }

                run.Log.Detail($"The watch of {kind.Kind} {name} ended ({exception.Diagnostics[0].Code}); watching again");
            }
        }
    }
}
