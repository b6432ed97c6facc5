namespace Kaptain.Build.Lifecycle;

/// <summary>The outcome of <see cref="KaptainLifecycle.PublishAsync"/>.</summary>
public sealed record PublishResult : LifecycleStepResult
{
    /// <summary>The InferenceService's name (the model's name).</summary>
    public required string InferenceServiceName { get; init; }

    /// <summary>The URL the model is served at (<c>status.url</c>).</summary>
    public required string Url { get; init; }

    /// <summary>The ready revision (<c>status.components.predictor.latestReadyRevision</c>), when KServe reports one.</summary>
    public string? Revision { get; init; }

    /// <summary>Whether an existing InferenceService was replaced (<c>KaptainReplace</c>).</summary>
    public required bool Replaced { get; init; }

    /// <summary>Old Knative Revisions removed beyond <c>KaptainRevisionsToKeep</c>.</summary>
    public IReadOnlyList<string> RevisionsRemoved { get; init; } = [];
}
