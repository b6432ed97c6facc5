using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;

namespace Kaptain.Build.Manifests;

/// <summary>One step's file as <see cref="ManifestDirectory.RenderAsync"/> left it.</summary>
/// <param name="Step">The step.</param>
/// <param name="Path">The full path of the step's file (<c>build.yaml</c>, <c>train.yaml</c>, ...).</param>
/// <param name="Rendered">Whether the file holds the step's resources; <see langword="false"/> when the model does not define the step.</param>
/// <param name="Changed">Whether this render wrote the file (its content changed or it was missing).</param>
/// <param name="Reasons">Why the step was not rendered (the diagnostics of <see cref="ManifestRenderer.Check"/>); empty when it was.</param>
public sealed record RenderedManifestFile(
    LifecycleStep Step,
    string Path,
    bool Rendered,
    bool Changed,
    IReadOnlyList<KaptainDiagnostic> Reasons);
