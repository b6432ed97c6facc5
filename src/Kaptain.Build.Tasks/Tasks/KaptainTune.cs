using Kaptain.Build.Lifecycle;
using Microsoft.Build.Framework;
using TaskItem = Microsoft.Build.Utilities.TaskItem;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainTune" />
public sealed partial class KaptainTune : KaptainLifecycleTask<TuneResult>
{
    private protected override string? ImageParameter => Image;

    private protected override Task<TuneResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken) =>
        KaptainLifecycle.TuneAsync(options, cancellationToken);

    private protected override void SetOutputs(TuneResult result)
    {
        ExperimentName = result.ExperimentName;
        ExperimentState = result.State;
        BestTrialName = result.BestTrial.Name;
        BestHyperparameters = ToValueItems(result.BestHyperparameters);
        BestMetrics = ToValueItems(result.BestTrial.Metrics);
        HyperparametersFile = result.HyperparametersPropsPath;
        HyperparametersJsonFile = result.HyperparametersJsonPath;
        ExperimentDeleted = result.ExperimentDeleted;
    }

    private static ITaskItem[] ToValueItems(IEnumerable<KeyValuePair<string, string>> pairs) =>
    [
        .. pairs.Select(pair =>
        {
            var item = new TaskItem(pair.Key);
            item.SetMetadata("Value", pair.Value);
            return (ITaskItem)item;
        }),
    ];
}
