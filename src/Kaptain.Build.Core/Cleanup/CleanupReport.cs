using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cleanup;

/// <summary>What a cleanup did, for the build log and the run report.</summary>
/// <param name="Removed">Deleted and confirmed gone (or, without waiting, deleted).</param>
/// <param name="AlreadyGone">Not there any more when cleanup came (404 counts as success).</param>
/// <param name="Kept">Left on purpose by the <see cref="KeepPolicy"/>.</param>
/// <param name="Problems">
/// What could not be removed, each a <c>KAPT40xx</c> diagnostic naming the resource (its <see cref="KaptainDiagnostic.Subject"/>).
/// </param>
public sealed record CleanupReport(
    IReadOnlyList<ResourceReference> Removed,
    IReadOnlyList<ResourceReference> AlreadyGone,
    IReadOnlyList<ResourceReference> Kept,
    IReadOnlyList<KaptainDiagnostic> Problems)
{
    /// <summary>A report of a cleanup that had nothing to do.</summary>
    public static CleanupReport Empty { get; } = new([], [], [], []);

    /// <summary>
    /// Objects that had the name of something to remove but were another object (<c>KAPT4010</c> warnings): left alone,
    /// and not a failure of the cleanup.
    /// </summary>
    public IReadOnlyList<KaptainDiagnostic> LeftAlone { get; init; } = [];

    /// <summary>Whether everything that was to go is gone.</summary>
    public bool Complete => Problems.Count == 0;
}
