namespace Kaptain.Build.Model;

/// <summary>How the model is tuned with Katib.</summary>
/// <param name="Trials">The maximum number of trials (<c>KaptainTrials</c>).</param>
/// <param name="ParallelTrials">Trials run at once (<c>KaptainParallelTrials</c>).</param>
/// <param name="FailedTrials">Failed trials after which the experiment fails (<c>KaptainFailedTrials</c>).</param>
/// <param name="Objectives">The metric names; the first is the objective, the rest are recorded (<c>KaptainObjectives</c>).</param>
/// <param name="ObjectiveGoal">The goal as written, when set (<c>KaptainObjectiveGoal</c>).</param>
/// <param name="ObjectiveType">Maximize or minimize (<c>KaptainObjectiveType</c>).</param>
/// <param name="Algorithm">The Katib algorithm name (<c>KaptainAlgorithm</c>).</param>
/// <param name="AlgorithmSettings">The algorithm's settings, in item order (<c>KaptainAlgorithmSetting</c>).</param>
/// <param name="SearchParameters">The search space, in item order (<c>KaptainSearchParameter</c>).</param>
/// <param name="Timeout">How long to wait for the experiment (<c>KaptainTuneTimeout</c>).</param>
/// <param name="DeleteExperiment">Whether the experiment is deleted when tuning ends (<c>KaptainDeleteExperiment</c> or <c>KAPTAIN_SDK_DELETE_EXPERIMENT</c>).</param>
public sealed record TuneSettings(
    int Trials,
    int ParallelTrials,
    int FailedTrials,
    IReadOnlyList<string> Objectives,
    string? ObjectiveGoal,
    ObjectiveType ObjectiveType,
    string Algorithm,
    IReadOnlyList<KeyValuePair<string, string>> AlgorithmSettings,
    IReadOnlyList<SearchParameter> SearchParameters,
    TimeSpan Timeout,
    bool DeleteExperiment);
