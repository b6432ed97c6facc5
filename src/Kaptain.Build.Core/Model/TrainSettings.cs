namespace Kaptain.Build.Model;

/// <summary>How the model is trained.</summary>
/// <param name="Workers">The number of replicas (<c>KaptainWorkers</c>).</param>
/// <param name="Resources">The resources of each replica.</param>
/// <param name="Hyperparameters">Fixed hyperparameters, passed as <c>--name=value</c>, in item order.</param>
/// <param name="Arguments">Extra arguments of the main file, in item order.</param>
/// <param name="Timeout">How long to wait for training (<c>KaptainTrainTimeout</c>).</param>
/// <param name="TtlSecondsAfterFinished">The operator's clean-up delay, when set (<c>KaptainTtlSecondsAfterFinished</c>).</param>
public sealed record TrainSettings(
    int Workers,
    ComputeResources Resources,
    IReadOnlyList<KeyValuePair<string, string>> Hyperparameters,
    IReadOnlyList<string> Arguments,
    TimeSpan Timeout,
    int? TtlSecondsAfterFinished);
