using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Simulation;
using Kaptain.LocalCluster.Storage;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The simulated kubelet of the cluster's one node: every new pod, whoever created it, is scheduled and run as its
/// scenario says (or, for a Kaniko executor container, as a real build). One <see cref="PodRun"/> per pod, ended when
/// the pod is deleted.
/// </summary>
internal sealed class Kubelet : IController
{
    /// <summary>The node every pod runs on.</summary>
    public const string NodeName = "local-node";

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _runs = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Name => "kubelet";

    /// <inheritdoc/>
    public async Task RunAsync(ClusterContext context, CancellationToken cancellationToken)
    {
        var logger = context.LoggerFactory.CreateLogger(Name);
        var scenarios = new ScenarioResolver(await SimulationSettings.LoadScenarioFileAsync(context, cancellationToken).ConfigureAwait(false));
        var events = new EventRecorder(context.Store, context.Time, Name);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await foreach (var change in context.Store.WatchAsync(BuiltInResources.Pod, null, new WatchRequest(), cancellationToken).ConfigureAwait(false))
                {
                    var uid = ObjectFields.Uid(change.Object);
                    if (change.Type == WatchEventType.Deleted)
                    {
                        if (_runs.TryRemove(uid, out var ended))
                        {
                            await ended.CancelAsync().ConfigureAwait(false);
                            ended.Dispose();
                        }

                        continue;
                    }

                    if (change.Type != WatchEventType.Added || ObjectFields.IsDeleting(change.Object) || ObjectFields.Text(change.Object["status"]?["phase"]) is "Succeeded" or "Failed" or "Running")
                    {
                        continue;
                    }

                    var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    if (!_runs.TryAdd(uid, run))
                    {
                        run.Dispose();
                        continue;
                    }

                    var podRun = new PodRun(context, scenarios, events, change.Object);
                    _ = Task.Run(
                        async () =>
                        {
                            try
                            {
                                await podRun.RunAsync(run.Token).ConfigureAwait(false);
                            }
                            catch (OperationCanceledException) when (run.IsCancellationRequested)
                            {
                                // The pod was deleted or the cluster stops.
                            }
                            catch (Exception e)
                            {
                                logger.LogWarning(e, "Simulating pod {Namespace}/{Name} failed", ObjectFields.Namespace(change.Object), ObjectFields.Name(change.Object));
                                podRun.FailAfterError(e);
                            }
                        },
                        CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The cluster is stopping; runs end with their linked tokens.
        }
    }
}
