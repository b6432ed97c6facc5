using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainBuildImage" />
public sealed partial class KaptainBuildImage : KaptainLifecycleTask<BuildImageResult>
{
    private protected override Task<BuildImageResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.BuildImageAsync(options, cancellationToken);

    private protected override void SetOutputs(BuildImageResult result)
    {
        Image = result.Image.ToString();
        ImageDigest = result.Image.Digest ?? string.Empty;
        ContextChecksum = result.ContextChecksum;
        Built = result.Built;
        JobName = result.JobName ?? string.Empty;
    }
}
