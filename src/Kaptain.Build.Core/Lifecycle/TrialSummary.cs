namespace Kaptain.Build.Lifecycle;

/// <summary>One Katib trial as the tune step reports it.</summary>
/// <param name="Name">The trial's name.</param>
/// <param name="State">Its latest condition: <c>Created</c>, <c>Running</c>, <c>Succeeded</c>, <c>Failed</c>, <c>EarlyStopped</c>, <c>MetricsUnavailable</c>, <c>Killed</c>.</param>
/// <param name="Parameters">The hyperparameters it ran with, by name, in the order Katib lists them.</param>
/// <param name="Metrics">The observed metrics, by name (the latest value Katib reports), as Katib writes them.</param>
/// <param name="Reason">Why it failed, when it did.</param>
public sealed record TrialSummary(
    string Name,
    string State,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyList<KeyValuePair<string, string>> Metrics,
    string? Reason = null);
