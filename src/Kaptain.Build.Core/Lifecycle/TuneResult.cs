namespace Kaptain.Build.Lifecycle;

/// <summary>The outcome of <see cref="KaptainLifecycle.TuneAsync"/>.</summary>
public sealed record TuneResult : LifecycleStepResult
{
    /// <summary>The Katib Experiment's name.</summary>
    public required string ExperimentName { get; init; }

    /// <summary>The experiment's final condition: <c>Succeeded</c>.</summary>
    public required string State { get; init; }

    /// <summary>The best trial (Katib's <c>status.currentOptimalTrial</c>).</summary>
    public required TrialSummary BestTrial { get; init; }

    /// <summary>The best hyperparameters, by name, in search-parameter order.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> BestHyperparameters { get; init; }

    /// <summary>
    /// The MSBuild file with the best hyperparameters as <c>KaptainHyperparameter</c> items
    /// (<c>obj/kaptain/best-hyperparameters.props</c>), which a later build can import.
    /// </summary>
    public required string HyperparametersPropsPath { get; init; }

    /// <summary>The same as JSON (<c>obj/kaptain/best-hyperparameters.json</c>), for pipelines.</summary>
    public required string HyperparametersJsonPath { get; init; }

    /// <summary>Whether the experiment was deleted (<c>KaptainDeleteExperiment</c> or <c>KAPTAIN_SDK_DELETE_EXPERIMENT</c>).</summary>
    public required bool ExperimentDeleted { get; init; }
}
