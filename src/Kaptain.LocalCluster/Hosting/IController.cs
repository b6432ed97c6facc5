namespace Kaptain.LocalCluster.Hosting;

/// <summary>
/// A simulated controller run inside the cluster process. It works on <see cref="ClusterContext.Store"/> and
/// <see cref="ClusterContext.Logs"/> directly (no HTTP, so injected faults never reach it) and runs until the token is
/// cancelled when the cluster stops. An exception that escapes is logged; the cluster keeps serving.
/// </summary>
public interface IController
{
    /// <summary>A short name for logs, for example <c>job-controller</c>.</summary>
    string Name { get; }

    /// <summary>Runs the controller until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(ClusterContext context, CancellationToken cancellationToken);
}
