using System.Globalization;
using System.Text;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// Parameter assignments for a Katib Experiment's trials: <c>random</c> and <c>grid</c> as Katib's suggestion services
/// do them; every other algorithm is simulated by random search (see <see cref="Note"/>). Deterministic: trial number
/// <c>n</c> of an experiment with a given seed always gets the same assignments.
/// </summary>
internal sealed class SuggestionGenerator
{
    private readonly IReadOnlyList<SearchParameter> _parameters;
    private readonly bool _grid;
    private readonly int _seed;
    private readonly IReadOnlyList<IReadOnlyList<string>>? _gridValues;

    private SuggestionGenerator(IReadOnlyList<SearchParameter> parameters, bool grid, int seed, string? note)
    {
        _parameters = parameters;
        _grid = grid;
        _seed = seed;
        Note = note;
        if (grid)
        {
            _gridValues = parameters.Select(GridValues).ToList();
            GridSize = _gridValues.Aggregate(1L, (size, values) => size * values.Count);
        }
    }

    /// <summary>Why the suggestions differ from the real algorithm's (an algorithm simulated by random search), or null.</summary>
    public string? Note { get; }

    /// <summary>For grid search, how many assignments there are; null for the other algorithms (no end).</summary>
    public long? GridSize { get; }

    /// <summary>Creates the generator for an algorithm. <paramref name="seed"/> is Katib's <c>random_state</c> setting
    /// when the experiment gives one, otherwise a value derived from the experiment (see <see cref="StableSeed"/>).</summary>
    /// <exception cref="SuggestionException">The search space is not one the algorithm accepts.</exception>
    public static SuggestionGenerator Create(string algorithmName, IReadOnlyList<SearchParameter> parameters, int seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return algorithmName switch
        {
            "grid" => new SuggestionGenerator(parameters, grid: true, seed, note: null),
            "random" => new SuggestionGenerator(parameters, grid: false, seed, note: null),
            _ => new SuggestionGenerator(parameters, grid: false, seed, $"algorithm '{algorithmName}' is simulated by random search"),
        };
    }

    /// <summary>A seed that is the same on every run for the same text (string.GetHashCode is randomised per process).</summary>
    public static int StableSeed(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash & 0x7fffffff);
    }

    /// <summary>The assignments for trial number <paramref name="index"/> (0-based), in the order of the search space;
    /// null when a grid is exhausted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Suggest(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (_grid)
        {
            if (index >= GridSize)
            {
                return null;
            }

            // The last parameter varies fastest, as itertools.product (which Katib's grid service uses) does.
            var assignments = new KeyValuePair<string, string>[_parameters.Count];
            long rest = index;
            for (var p = _parameters.Count - 1; p >= 0; p--)
            {
                var values = _gridValues![p];
                assignments[p] = new(_parameters[p].Name, values[(int)(rest % values.Count)]);
                rest /= values.Count;
            }

            return assignments;
        }

        var random = new Random(unchecked((_seed * 1_000_003) + index));
        return _parameters.Select(p => new KeyValuePair<string, string>(p.Name, RandomValue(p, random))).ToList();
    }

    private static string RandomValue(SearchParameter parameter, Random random)
    {
        switch (parameter.Type)
        {
            case SearchParameterType.Discrete or SearchParameterType.Categorical:
                return parameter.List[random.Next(parameter.List.Count)];
            case SearchParameterType.Int:
                {
                    var step = parameter.Step ?? 1;
                    var steps = (long)Math.Floor(((parameter.Max - parameter.Min) / step) + 1e-9);
                    return Format(parameter.Min + (random.NextInt64(steps + 1) * step), integer: true);
                }

            default:
                if (parameter.Step is { } doubleStep)
                {
                    var steps = (long)Math.Floor(((parameter.Max - parameter.Min) / doubleStep) + 1e-9);
                    return Format(parameter.Min + (random.NextInt64(steps + 1) * doubleStep), integer: false);
                }

                var value = parameter.LogScale
                    ? Math.Exp(Math.Log(parameter.Min) + (random.NextDouble() * (Math.Log(parameter.Max) - Math.Log(parameter.Min))))
                    : parameter.Min + (random.NextDouble() * (parameter.Max - parameter.Min));
                return Format(value, integer: false);
        }
    }

    private static IReadOnlyList<string> GridValues(SearchParameter parameter)
    {
        if (parameter.Type is SearchParameterType.Discrete or SearchParameterType.Categorical)
        {
            return parameter.List;
        }

        // Katib's grid service refuses a double without a step: it cannot enumerate a continuous range.
        if (parameter.Type == SearchParameterType.Double && parameter.Step is null)
        {
            throw new SuggestionException($"parameter '{parameter.Name}' is a double without feasibleSpace.step, which the grid algorithm needs");
        }

        var step = parameter.Step ?? 1;
        var count = (long)Math.Floor(((parameter.Max - parameter.Min) / step) + 1e-9) + 1;
        if (count > 100_000)
        {
            throw new SuggestionException($"parameter '{parameter.Name}' has {count} grid points; the simulated grid takes at most 100000");
        }

        var integer = parameter.Type == SearchParameterType.Int;
        return Enumerable.Range(0, (int)count).Select(k => Format(parameter.Min + (k * step), integer)).ToList();
    }

    // G10 hides binary rounding (0.1 + 0.2 prints as 0.3), which a user would not expect in a parameter value.
    private static string Format(double value, bool integer) => integer
        ? Math.Round(value).ToString("0", CultureInfo.InvariantCulture)
        : value.ToString("G10", CultureInfo.InvariantCulture);
}
