using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Faults;
using Kaptain.LocalCluster.Logs;
using Kaptain.LocalCluster.Storage;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Hosting;

/// <summary>What a controller gets: the store, the pod logs, the served types, the options, logging and the clock.</summary>
public sealed class ClusterContext
{
    internal ClusterContext(ObjectStore store, PodLogStore logs, FaultInjector faults, LocalClusterOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        Store = store;
        Logs = logs;
        Faults = faults;
        Options = options;
        LoggerFactory = loggerFactory;
        Time = time;
    }

    /// <summary>The objects of the cluster.</summary>
    public ObjectStore Store { get; }

    /// <summary>The containers' logs.</summary>
    public PodLogStore Logs { get; }

    /// <summary>The served types (<c>Resources.Get("kubeflow.org/v1", "TFJob")</c>).</summary>
    public ResourceCatalog Resources => Store.Resources;

    /// <summary>The fault injector of the HTTP API (controllers are not affected by it).</summary>
    public FaultInjector Faults { get; }

    /// <summary>The options the cluster was started with (for example <see cref="LocalClusterOptions.ScenarioFile"/>).</summary>
    public LocalClusterOptions Options { get; }

    /// <summary>Logging.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The clock (timestamps in status and logs).</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// How many requests that may change the cluster (POST, PUT, PATCH, DELETE outside <c>/localcluster/</c>) the HTTP
    /// API has received, counted before fault injection: the reliability suite asserts that bad input changes nothing.
    /// </summary>
    public long MutatingRequests => Interlocked.Read(ref _mutatingRequests);

#pragma warning disable SA1401 // a counter incremented with Interlocked
    internal long _mutatingRequests;
#pragma warning restore SA1401

    /// <summary>
    /// A test seam: called with each write a client sends, before the server handles it, so that a test can make
    /// something happen between a client's read and its write deterministically (for example the KServe controller
    /// writing an InferenceService's status just before the client's PUT, which then meets a 409), instead of racing.
    /// </summary>
    public Action<ClientWrite>? BeforeClientWrite { get; set; }

    /// <summary>The URL the API is served at (set once the server listens).</summary>
    public Uri ServerUrl { get; internal set; } = new("http://127.0.0.1/");
}
