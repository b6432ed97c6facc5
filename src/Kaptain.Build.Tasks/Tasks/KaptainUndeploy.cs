using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainUndeploy" />
public sealed partial class KaptainUndeploy : KaptainLifecycleTask<UndeployResult>
{
    private protected override Task<UndeployResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.UndeployAsync(options, cancellationToken);

    private protected override void SetOutputs(UndeployResult result)
    {
        InferenceServiceName = result.InferenceServiceName;
        Found = result.Found;
    }
}
