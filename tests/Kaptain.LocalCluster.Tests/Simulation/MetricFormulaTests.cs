using Kaptain.LocalCluster.Simulation;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Simulation;

public sealed class MetricFormulaTests
{
    private static readonly Dictionary<string, string> Parameters = new()
    {
        ["lr"] = "0.01",
        ["learning-rate"] = "0.5",
        ["layers"] = "3",
        ["optimizer"] = "adam",
    };

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("2 ^ 3 ^ 2", 512)]
    [InlineData("-2 ^ 2", -4)]
    [InlineData("10 / 4 - 1", 1.5)]
    [InlineData("1e-3 * 1000", 1)]
    [InlineData("abs(-3) + sqrt(16) + exp(0) + log(1)", 8)]
    [InlineData("min(3, layers, 5) + max(1, 2, 7)", 10)]
    [InlineData("0.9 - abs(lr - 0.01) * 10", 0.9)]
    [InlineData("learning_rate * 2", 1)]
    public void Evaluates(string formula, double expected) =>
        Assert.Equal(expected, MetricFormula.Parse(formula).Evaluate(Parameters), 10);

    [Theory]
    [InlineData("1 +")]
    [InlineData("(1 + 2")]
    [InlineData("1 2")]
    [InlineData("pow(2, 3)")]
    [InlineData("abs(1, 2)")]
    [InlineData("1..2")]
    [InlineData("# 1")]
    public void Malformed_formulas_are_rejected_when_read(string formula) =>
        Assert.Throws<ScenarioFormatException>(() => MetricFormula.Parse(formula));

    [Theory]
    [InlineData("momentum * 2")]
    [InlineData("optimizer + 1")]
    public void Unknown_or_non_numeric_parameters_are_rejected_when_evaluated(string formula)
    {
        var parsed = MetricFormula.Parse(formula);

        Assert.Throws<ScenarioFormatException>(() => parsed.Evaluate(Parameters));
    }
}
