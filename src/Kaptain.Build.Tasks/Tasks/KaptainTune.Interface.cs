using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Tunes the model's hyperparameters with a Katib Experiment: reports every trial as it changes and the best so far,
/// and on success returns the best hyperparameters and writes them to <c>obj/kaptain/best-hyperparameters.props</c>
/// (importable by a later build) and <c>.json</c>. The experiment is deleted when <c>KaptainDeleteExperiment</c> asks
/// for it. Used by the <c>KaptainTune</c> target.
/// </summary>
public sealed partial class KaptainTune
{
    /// <summary>The image the trials run, normally <c>KaptainBuildImage</c>'s <c>Image</c> output; when empty, the image
    /// for the build context's checksum.</summary>
    public string Image { get; set; } = string.Empty;

    /// <summary>The Katib Experiment's name.</summary>
    [Output]
    public string ExperimentName { get; private set; } = string.Empty;

    /// <summary>The experiment's final state: <c>Succeeded</c>.</summary>
    [Output]
    public string ExperimentState { get; private set; } = string.Empty;

    /// <summary>The best trial's name.</summary>
    [Output]
    public string BestTrialName { get; private set; } = string.Empty;

    /// <summary>The best hyperparameters as <c>KaptainHyperparameter</c>-shaped items: <c>Include</c> is the name,
    /// metadata <c>Value</c> the value.</summary>
    [Output]
    public ITaskItem[] BestHyperparameters { get; private set; } = [];

    /// <summary>The best trial's metrics: <c>Include</c> is the metric name, metadata <c>Value</c> the value.</summary>
    [Output]
    public ITaskItem[] BestMetrics { get; private set; } = [];

    /// <summary>The MSBuild file with the best hyperparameters as <c>KaptainHyperparameter</c> items.</summary>
    [Output]
    public string HyperparametersFile { get; private set; } = string.Empty;

    /// <summary>The best hyperparameters as JSON.</summary>
    [Output]
    public string HyperparametersJsonFile { get; private set; } = string.Empty;

    /// <summary>Whether the experiment was deleted.</summary>
    [Output]
    public bool ExperimentDeleted { get; private set; }
}
