namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The outcome of <see cref="KaptainLifecycle.CleanupAsync"/>: what earlier runs of the model left behind and what of it
/// was removed (<see cref="LifecycleStepResult.Removed"/>). The published InferenceService is not a leftover and stays.
/// </summary>
public sealed record CleanupResult : LifecycleStepResult
{
    /// <summary>The leftovers found (by the model's labels and in the journal of killed runs), as <c>Kind namespace/name</c>.</summary>
    public IReadOnlyList<string> Found { get; init; } = [];

    /// <summary>The context objects removed from the object store, as <c>s3://bucket/key</c>.</summary>
    public IReadOnlyList<string> ObjectsRemoved { get; init; } = [];
}
