namespace Kaptain.Build.Validation;

/// <summary>
/// The Katib search algorithms a model may choose: those of Katib's default <c>katib-config</c> that search a
/// parameter space (the neural-architecture-search algorithms <c>enas</c> and <c>darts</c> and the checkpointing
/// <c>pbt</c> need a different experiment shape).
/// </summary>
public static class KatibAlgorithms
{
    /// <summary>The algorithm names, as Katib spells them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["random", "grid", "bayesianoptimization", "tpe", "multivariate-tpe", "cmaes", "sobol", "hyperband"];

    /// <summary>Whether <paramref name="name"/> is one of <see cref="Names"/>.</summary>
    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);
}
