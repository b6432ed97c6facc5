using System.Globalization;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>One parameter of a Katib Experiment's search space (<c>spec.parameters[]</c>).</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Type">The parameter type.</param>
/// <param name="Min">The lower bound (double, int).</param>
/// <param name="Max">The upper bound (double, int).</param>
/// <param name="Step">The step (double, int), or null.</param>
/// <param name="List">The values (discrete, categorical).</param>
/// <param name="LogScale">True when <c>feasibleSpace.distribution</c> is <c>logUniform</c> or <c>logNormal</c>.</param>
internal sealed record SearchParameter(string Name, SearchParameterType Type, double Min, double Max, double? Step, IReadOnlyList<string> List, bool LogScale)
{
    /// <summary>Reads the parameters of an Experiment's <c>spec</c>.</summary>
    /// <exception cref="SuggestionException">A parameter is malformed (as Katib's validation would reject it).</exception>
    public static IReadOnlyList<SearchParameter> ReadAll(JsonNode? experimentSpec)
    {
        if (experimentSpec?["parameters"] is not JsonArray { Count: > 0 } parameters)
        {
            throw new SuggestionException("spec.parameters must name at least one parameter");
        }

        return parameters.Select((p, i) => Read(p, $"spec.parameters[{i}]")).ToList();
    }

    private static SearchParameter Read(JsonNode? node, string path)
    {
        var name = Text(node?["name"]) ?? throw new SuggestionException($"{path}.name is required");
        var typeText = Text(node?["parameterType"]) ?? throw new SuggestionException($"{path}.parameterType is required");
        var type = typeText switch
        {
            "double" => SearchParameterType.Double,
            "int" => SearchParameterType.Int,
            "discrete" => SearchParameterType.Discrete,
            "categorical" => SearchParameterType.Categorical,
            _ => throw new SuggestionException($"{path}.parameterType '{typeText}' is not one of double, int, discrete, categorical"),
        };
        var space = node?["feasibleSpace"];
        var distribution = Text(space?["distribution"]);
        var logScale = distribution is "logUniform" or "logNormal";
        if (type is SearchParameterType.Discrete or SearchParameterType.Categorical)
        {
            var list = (space?["list"] as JsonArray)?.Select(v => Text(v) ?? string.Empty).ToList() ?? [];
            if (list.Count == 0)
            {
                throw new SuggestionException($"{path}.feasibleSpace.list must not be empty for a {typeText} parameter");
            }

            if (type == SearchParameterType.Discrete && list.FirstOrDefault(v => !IsNumber(v)) is { } notNumber)
            {
                throw new SuggestionException($"{path}.feasibleSpace.list has '{notNumber}', which is not a number");
            }

            return new SearchParameter(name, type, 0, 0, null, list, logScale);
        }

        var min = Number(space?["min"], $"{path}.feasibleSpace.min");
        var max = Number(space?["max"], $"{path}.feasibleSpace.max");
        double? step = space?["step"] is null ? null : Number(space["step"], $"{path}.feasibleSpace.step");
        if (min > max)
        {
            throw new SuggestionException($"{path}.feasibleSpace.min is greater than max");
        }

        if (step is <= 0)
        {
            throw new SuggestionException($"{path}.feasibleSpace.step must be greater than zero");
        }

        if (logScale && min <= 0)
        {
            throw new SuggestionException($"{path}.feasibleSpace.min must be greater than zero for distribution '{distribution}'");
        }

        return new SearchParameter(name, type, min, max, step, [], logScale);
    }

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static double Number(JsonNode? node, string path)
    {
        var text = Text(node) ?? throw new SuggestionException($"{path} is required");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SuggestionException($"{path} '{text}' is not a number");
    }

    // Katib writes feasible-space bounds as strings; tolerate numbers too.
    private static string? Text(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<string>(out var text) ? text : value.ToJsonString()
        : null;
}
