using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainPromoteCanary" />
public sealed partial class KaptainPromoteCanary : KaptainLifecycleTask<CanaryResult>
{
    private protected override Task<CanaryResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.PromoteCanaryAsync(options, cancellationToken);

    private protected override void SetOutputs(CanaryResult result)
    {
        InferenceServiceName = result.InferenceServiceName;
        Url = result.Url;
        Revision = result.Revision;
        PreviousRevision = result.PreviousRevision ?? string.Empty;
    }
}
