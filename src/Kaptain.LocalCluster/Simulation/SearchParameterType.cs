namespace Kaptain.LocalCluster.Simulation;

/// <summary>The <c>parameterType</c> of a Katib search-space parameter.</summary>
internal enum SearchParameterType
{
    /// <summary><c>double</c>: <c>min</c>/<c>max</c>, optional <c>step</c>.</summary>
    Double,

    /// <summary><c>int</c>: <c>min</c>/<c>max</c>, optional <c>step</c> (1).</summary>
    Int,

    /// <summary><c>discrete</c>: a <c>list</c> of numbers.</summary>
    Discrete,

    /// <summary><c>categorical</c>: a <c>list</c> of strings.</summary>
    Categorical,
}
