using Kaptain.LocalCluster.Faults;
using Kaptain.LocalCluster.Storage;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Hosting;

/// <summary>How to start a local cluster.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>The port on 127.0.0.1; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The controllers to run in-process.</summary>
    public IList<IController> Controllers { get; } = new List<IController>();

    /// <summary>Resource types to serve besides the built-in kinds and the embedded CRDs (for example a kind a test needs).</summary>
    public IList<Api.ResourceType> AdditionalResources { get; } = new List<Api.ResourceType>();

    /// <summary>The scenario file (<c>--scenario</c>) that scripts simulated workloads, if any; read by the controllers.</summary>
    public string? ScenarioFile { get; set; }

    /// <summary>Faults to inject into HTTP API requests from the start.</summary>
    public FaultOptions Faults { get; set; } = FaultOptions.None;

    /// <summary>A seed for the fault injector's random choices (repeatable runs), or null.</summary>
    public int? FaultSeed { get; set; }

    /// <summary>Store tuning: watch history size (410 window) and bookmark interval.</summary>
    public ObjectStoreOptions Store { get; set; } = new();

    /// <summary>
    /// The bearer token written to the kubeconfig: the admin (<c>system:masters</c>). Requests with another token the
    /// server did not issue are 401; requests without one are <c>system:anonymous</c> (403 but for /version and health).
    /// </summary>
    public string Token { get; set; } = "kaptain-local-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Logging for the server and the controllers; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}
