using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Logs;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Operators;

/// <summary>What a simulated operator gets: the cluster's API (and nothing else of the cluster), the simulated
/// containers' logs (the kubelet's own), the scenario file, logging and the clock.</summary>
public sealed class OperatorContext
{
    internal OperatorContext(IClusterApi store, PodLogStore logs, string? scenarioFile, ILoggerFactory loggerFactory, TimeProvider time)
    {
        Store = store;
        Logs = logs;
        ScenarioFile = scenarioFile;
        LoggerFactory = loggerFactory;
        Time = time;
    }

    /// <summary>The cluster, through its API.</summary>
    internal IClusterApi Store { get; }

    /// <summary>The resource types the operators know.</summary>
    public ResourceCatalog Resources => Store.Resources;

    /// <summary>What the simulated containers print (kept by the kubelet, served by its log endpoint).</summary>
    public PodLogStore Logs { get; }

    /// <summary>The scenario file (<c>--scenario</c>) that scripts simulated workloads, if any.</summary>
    public string? ScenarioFile { get; }

    /// <summary>Logging.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The clock (timestamps in status and logs).</summary>
    public TimeProvider Time { get; }
}
