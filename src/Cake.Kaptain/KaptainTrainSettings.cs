namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainTrain"/>.</summary>
public sealed class KaptainTrainSettings : KaptainLifecycleSettings
{
    /// <summary>
    /// The image to run, with its digest, as <see cref="KaptainAliases.KaptainBuildImage"/> returned it. When empty the
    /// alias builds the image first (skipped when the registry already has it), as the MSBuild target does.
    /// </summary>
    public string? Image { get; set; }
}
