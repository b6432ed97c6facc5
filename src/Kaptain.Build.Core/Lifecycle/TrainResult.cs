namespace Kaptain.Build.Lifecycle;

/// <summary>The outcome of <see cref="KaptainLifecycle.TrainAsync"/>.</summary>
public sealed record TrainResult : LifecycleStepResult
{
    /// <summary>The training job's kind: <c>TFJob</c> or <c>PyTorchJob</c>.</summary>
    public required string JobKind { get; init; }

    /// <summary>The training job's name.</summary>
    public required string JobName { get; init; }

    /// <summary>The job's final condition: <c>Succeeded</c>.</summary>
    public required string State { get; init; }

    /// <summary>Whether the job stays on the cluster (it does unless force cleanup was asked for).</summary>
    public required bool JobKept { get; init; }
}
