using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainTrain" />
public sealed partial class KaptainTrain : KaptainLifecycleTask<TrainResult>
{
    private protected override string? ImageParameter => Image;

    private protected override Task<TrainResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.TrainAsync(options, cancellationToken);

    private protected override void SetOutputs(TrainResult result)
    {
        JobKind = result.JobKind;
        JobName = result.JobName;
        JobState = result.State;
        JobKept = result.JobKept;
    }
}
