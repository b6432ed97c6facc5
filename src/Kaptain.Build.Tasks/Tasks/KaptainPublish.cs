using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainPublish" />
public sealed partial class KaptainPublish : KaptainLifecycleTask<PublishResult>
{
    private protected override string? ImageParameter => Image;

    private protected override Task<PublishResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.PublishAsync(options, cancellationToken);

    private protected override void SetOutputs(PublishResult result)
    {
        InferenceServiceName = result.InferenceServiceName;
        Url = result.Url;
        Revision = result.Revision ?? string.Empty;
        Replaced = result.Replaced;
        RevisionsRemoved = ToItems(result.RevisionsRemoved);
    }
}
