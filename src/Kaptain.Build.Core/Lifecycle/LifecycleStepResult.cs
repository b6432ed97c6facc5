namespace Kaptain.Build.Lifecycle;

/// <summary>What every step reports besides its own outputs: the run, the time taken and what it left behind.</summary>
public abstract record LifecycleStepResult
{
    /// <summary>The run id the step's resources were labelled with.</summary>
    public string RunId { get; init; } = string.Empty;

    /// <summary>How long the step took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The resources the step created, as <c>Kind namespace/name</c>, in creation order.</summary>
    public IReadOnlyList<string> Created { get; init; } = [];

    /// <summary>The resources the step removed again (its own and, for cleanup and undeploy, found ones), as <c>Kind namespace/name</c>.</summary>
    public IReadOnlyList<string> Removed { get; init; } = [];

    /// <summary>The resources the step left on the cluster on purpose (a finished training job), as <c>Kind namespace/name</c>.</summary>
    public IReadOnlyList<string> Kept { get; init; } = [];

    /// <summary>How many times the cluster layer retried a request after a transient fault (also <c>retries</c> in the
    /// run report).</summary>
    public int Retries { get; init; }

    /// <summary>The run report (JSON) the step wrote under the intermediate directory.</summary>
    public string ReportPath { get; init; } = string.Empty;
}
