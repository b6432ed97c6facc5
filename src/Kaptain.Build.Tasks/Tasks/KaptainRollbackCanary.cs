using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainRollbackCanary" />
public sealed partial class KaptainRollbackCanary : KaptainLifecycleTask<CanaryResult>
{
    private protected override Task<CanaryResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.RollbackCanaryAsync(options, cancellationToken);

    private protected override void SetOutputs(CanaryResult result)
    {
        InferenceServiceName = result.InferenceServiceName;
        Url = result.Url;
        Revision = result.Revision;
        PreviousRevision = result.PreviousRevision ?? string.Empty;
    }
}
