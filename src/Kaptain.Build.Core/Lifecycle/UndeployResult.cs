namespace Kaptain.Build.Lifecycle;

/// <summary>The outcome of <see cref="KaptainLifecycle.UndeployAsync"/>.</summary>
public sealed record UndeployResult : LifecycleStepResult
{
    /// <summary>The InferenceService's name (the model's name).</summary>
    public required string InferenceServiceName { get; init; }

    /// <summary>Whether there was an InferenceService to remove.</summary>
    public required bool Found { get; init; }
}
