namespace Kaptain.Build.Model;

/// <summary>One dimension of the tuning search space (a <c>KaptainSearchParameter</c> item).</summary>
/// <param name="Name">The hyperparameter name, passed to the main file as <c>--name=value</c>.</param>
/// <param name="Type">The parameter type.</param>
/// <param name="Min">The lower bound as written (double, int).</param>
/// <param name="Max">The upper bound as written (double, int).</param>
/// <param name="Step">The step as written (double, int), when given.</param>
/// <param name="Values">The values (discrete, categorical); empty otherwise.</param>
public sealed record SearchParameter(
    string Name,
    SearchParameterType Type,
    string? Min,
    string? Max,
    string? Step,
    IReadOnlyList<string> Values);
