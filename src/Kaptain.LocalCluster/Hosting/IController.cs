using Kaptain.LocalCluster.Operators;

namespace Kaptain.LocalCluster.Hosting;

/// <summary>
/// A simulated operator. It works on the cluster only through <see cref="OperatorContext"/>'s API client (so it runs
/// against the local cluster's API server or any other, and injected faults of the local cluster never reach it) and
/// runs until the token is cancelled. An exception that escapes is logged; the others keep running.
/// </summary>
public interface IController
{
    /// <summary>A short name for logs, for example <c>job-controller</c>.</summary>
    string Name { get; }

    /// <summary>Runs the controller until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(OperatorContext context, CancellationToken cancellationToken);
}
