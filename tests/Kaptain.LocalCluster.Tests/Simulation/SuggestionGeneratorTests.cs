using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Simulation;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Simulation;

public sealed class SuggestionGeneratorTests
{
    private static IReadOnlyList<SearchParameter> Space(string parametersJson) =>
        SearchParameter.ReadAll(JsonNode.Parse($$"""{"parameters": {{parametersJson}}}"""));

    [Fact]
    public void Grid_enumerates_every_combination_last_parameter_fastest_then_ends()
    {
        var space = Space("""
            [
              {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.3", "step": "0.1"}},
              {"name": "optimizer", "parameterType": "categorical", "feasibleSpace": {"list": ["sgd", "adam"]}}
            ]
            """);
        var grid = SuggestionGenerator.Create("grid", space, seed: 1);

        var all = Enumerable.Range(0, 6).Select(i => string.Join(",", grid.Suggest(i)!.Select(a => $"{a.Key}={a.Value}"))).ToList();

        Assert.Equal(6, grid.GridSize);
        Assert.Equal(
            ["lr=0.1,optimizer=sgd", "lr=0.1,optimizer=adam", "lr=0.2,optimizer=sgd", "lr=0.2,optimizer=adam", "lr=0.3,optimizer=sgd", "lr=0.3,optimizer=adam"],
            all);
        Assert.Null(grid.Suggest(6));
        Assert.Null(grid.Note);
    }

    [Fact]
    public void Grid_over_int_and_discrete_uses_step_one_and_the_list()
    {
        var grid = SuggestionGenerator.Create("grid", Space("""
            [
              {"name": "layers", "parameterType": "int", "feasibleSpace": {"min": "1", "max": "3"}},
              {"name": "batch", "parameterType": "discrete", "feasibleSpace": {"list": ["16", "32"]}}
            ]
            """), seed: 0);

        Assert.Equal(6, grid.GridSize);
        Assert.Equal(["3", "32"], grid.Suggest(5)!.Select(a => a.Value));
    }

    [Fact]
    public void Grid_refuses_a_double_without_step_as_Katib_does() =>
        Assert.Throws<SuggestionException>(() => SuggestionGenerator.Create("grid", Space("""
            [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.3"}}]
            """), seed: 0));

    [Fact]
    public void Random_is_deterministic_for_a_seed_and_stays_in_the_space()
    {
        var space = Space("""
            [
              {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1", "distribution": "logUniform"}},
              {"name": "layers", "parameterType": "int", "feasibleSpace": {"min": "2", "max": "10", "step": "2"}},
              {"name": "optimizer", "parameterType": "categorical", "feasibleSpace": {"list": ["sgd", "adam", "ftrl"]}}
            ]
            """);
        var first = SuggestionGenerator.Create("random", space, seed: 42);
        var again = SuggestionGenerator.Create("random", space, seed: 42);
        var other = SuggestionGenerator.Create("random", space, seed: 43);

        var suggestions = Enumerable.Range(0, 50).Select(i => first.Suggest(i)!).ToList();

        Assert.Equal(suggestions.Select(Text), Enumerable.Range(0, 50).Select(i => Text(again.Suggest(i)!)));
        Assert.NotEqual(suggestions.Select(Text), Enumerable.Range(0, 50).Select(i => Text(other.Suggest(i)!)));
        Assert.All(suggestions, s =>
        {
            var lr = double.Parse(s[0].Value, CultureInfo.InvariantCulture);
            Assert.InRange(lr, 0.001, 0.1);
            Assert.Contains(s[1].Value, new[] { "2", "4", "6", "8", "10" });
            Assert.Contains(s[2].Value, new[] { "sgd", "adam", "ftrl" });
        });
        Assert.True(suggestions.Select(s => s[2].Value).Distinct().Count() > 1);
        Assert.Null(first.GridSize);
    }

    [Fact]
    public void Other_algorithms_fall_back_to_random_with_a_note()
    {
        var space = Space("""[{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0", "max": "1"}}]""");

        var tpe = SuggestionGenerator.Create("tpe", space, seed: 7);

        Assert.NotNull(tpe.Note);
        Assert.Equal(Text(SuggestionGenerator.Create("random", space, seed: 7).Suggest(3)!), Text(tpe.Suggest(3)!));
    }

    [Fact]
    public void Stable_seed_is_the_same_for_the_same_text() =>
        Assert.Equal(SuggestionGenerator.StableSeed("default/mnist-tune-1a2b3c"), SuggestionGenerator.StableSeed("default/mnist-tune-1a2b3c"));

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"name": "lr", "parameterType": "float", "feasibleSpace": {"min": "0", "max": "1"}}]""")]
    [InlineData("""[{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "1", "max": "0"}}]""")]
    [InlineData("""[{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "a", "max": "1"}}]""")]
    [InlineData("""[{"name": "x", "parameterType": "categorical", "feasibleSpace": {"list": []}}]""")]
    [InlineData("""[{"name": "x", "parameterType": "discrete", "feasibleSpace": {"list": ["1", "two"]}}]""")]
    public void Malformed_search_spaces_are_rejected(string parameters) =>
        Assert.Throws<SuggestionException>(() => Space(parameters));

    private static string Text(IReadOnlyList<KeyValuePair<string, string>> assignments) =>
        string.Join(",", assignments.Select(a => $"{a.Key}={a.Value}"));
}
