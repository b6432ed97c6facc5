namespace Kaptain.Build.Cleanup;

/// <summary>One line of the resource journal.</summary>
/// <param name="Action">What happened.</param>
/// <param name="Resource">Which resource.</param>
/// <param name="Step">The lifecycle step that created it (its <c>kaptain.build/step</c> label), when known.</param>
/// <param name="RunId">The run that created it (its <c>kaptain.build/run</c> label), when known.</param>
/// <param name="Time">When it was recorded.</param>
public sealed record JournalEntry(JournalAction Action, ResourceReference Resource, string? Step, string? RunId, DateTimeOffset Time);
