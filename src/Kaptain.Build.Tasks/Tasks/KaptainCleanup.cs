using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainCleanup" />
public sealed partial class KaptainCleanup : KaptainLifecycleTask<CleanupResult>
{
    private protected override Task<CleanupResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.CleanupAsync(options, cancellationToken);

    private protected override void SetOutputs(CleanupResult result)
    {
        FoundResources = ToItems(result.Found);
        RemovedObjects = ToItems(result.ObjectsRemoved);
    }
}
