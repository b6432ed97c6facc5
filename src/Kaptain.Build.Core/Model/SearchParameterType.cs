namespace Kaptain.Build.Model;

/// <summary>The type of a <see cref="SearchParameter"/>, as Katib names it (<c>parameterType</c>).</summary>
public enum SearchParameterType
{
    /// <summary>A real number between <c>Min</c> and <c>Max</c>, optionally in steps.</summary>
    Double,

    /// <summary>An integer between <c>Min</c> and <c>Max</c>, optionally in steps.</summary>
    Int,

    /// <summary>One of a list of numbers.</summary>
    Discrete,

    /// <summary>One of a list of strings.</summary>
    Categorical,
}
