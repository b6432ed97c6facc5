using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>The metrics a Katib trial's workload prints (from the scenario's formulas or made up, stable per parameters).</summary>
internal sealed partial class PodRun
{
    /// <summary>A default metric value for a trial whose scenario gives no formula: made up, but the same for the same
    /// parameters, so that runs repeat.</summary>
    internal static double DefaultMetricValue(string metric, IReadOnlyDictionary<string, string> parameters)
    {
        var text = metric + "|" + string.Join(",", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var hash = SuggestionGenerator.StableSeed(text);
        return Math.Round(0.5 + ((hash % 4500) / 10000.0), 4);
    }

    private static IEnumerable<string> TrialMetricLines(Scenario scenario, JsonObject trial)
    {
        var parameters = (trial["spec"]?["parameterAssignments"] as JsonArray ?? [])
            .Where(a => ObjectFields.Text(a?["name"]) is not null)
            .ToDictionary(a => ObjectFields.Text(a!["name"])!, a => ObjectFields.Text(a!["value"]) ?? string.Empty, StringComparer.Ordinal);
        if (scenario.Metrics.Count > 0)
        {
            return scenario.Metrics.Select(m => $"{m.Name}={m.Formula.Evaluate(parameters).ToString("G6", CultureInfo.InvariantCulture)}").ToList();
        }

        var objective = trial["spec"]?["objective"];
        var names = new[] { ObjectFields.Text(objective?["objectiveMetricName"]) }
            .Concat((objective?["additionalMetricNames"] as JsonArray ?? []).Select(ObjectFields.Text))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        return names.Select(n => $"{n}={DefaultMetricValue(n, parameters).ToString(CultureInfo.InvariantCulture)}").ToList();
    }
}
