namespace Kaptain.Build.Lifecycle;

/// <summary>The outcome of <see cref="KaptainLifecycle.PromoteCanaryAsync"/> and <see cref="KaptainLifecycle.RollbackCanaryAsync"/>.</summary>
public sealed record CanaryResult : LifecycleStepResult
{
    /// <summary>The InferenceService's name (the model's name).</summary>
    public required string InferenceServiceName { get; init; }

    /// <summary>The URL the model is served at (<c>status.url</c>).</summary>
    public required string Url { get; init; }

    /// <summary>The revision that now receives all the traffic: the canary after a promotion, the previously rolled-out
    /// revision after a rollback.</summary>
    public required string Revision { get; init; }

    /// <summary>The revision that no longer receives traffic (the canary after a rollback, the old default after a
    /// promotion), when there was one.</summary>
    public string? PreviousRevision { get; init; }
}
