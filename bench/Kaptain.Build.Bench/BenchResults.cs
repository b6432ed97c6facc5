using System.Globalization;
using System.Text;
using System.Text.Json;
using Kaptain.Testing;

namespace Kaptain.Build.Bench;

/// <summary>
/// The figures measured so far, kept in <c>artifacts/bench/results.json</c> (a figure run alone replaces only its own
/// entry) and written as a table to <c>artifacts/bench/results.md</c>.
/// </summary>
internal sealed class BenchResults
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly SortedDictionary<int, FigureResult> _figures;

    private BenchResults(SortedDictionary<int, FigureResult> figures) => _figures = figures;

    public static string Directory => Path.Combine(RepositoryPaths.Artifacts, "bench");

    public static string JsonPath => Path.Combine(Directory, "results.json");

    public static string MarkdownPath => Path.Combine(Directory, "results.md");

    public static BenchResults Load()
    {
        var figures = new SortedDictionary<int, FigureResult>();
        if (File.Exists(JsonPath))
        {
            try
            {
                foreach (var figure in JsonSerializer.Deserialize<List<FigureResult>>(File.ReadAllText(JsonPath), Json) ?? [])
                {
                    figures[figure.Number] = figure;
                }
            }
            catch (JsonException)
            {
                // An older layout: start over.
            }
        }

        return new BenchResults(figures);
    }

    public void Set(FigureResult result) => _figures[result.Number] = result;

    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(JsonPath, JsonSerializer.Serialize(_figures.Values.ToList(), Json));
        File.WriteAllText(MarkdownPath, Markdown());
    }

    private string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine("# Kaptain.Build benchmarks (issues 4 and 11)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Written by `dotnet run -c Release --project bench/Kaptain.Build.Bench -- all` on {Environment.MachineName} ({Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}). Figures are measured, not asserted. The load column is the machine's 1-minute load average at the figure's start and end: above the core count, other work shared the machine and the figure is depressed.");
        text.AppendLine();
        text.AppendLine("| # | figure | result | goal | met | load |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var figure in _figures.Values)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {figure.Number} | {figure.Title} | {figure.Summary} | {figure.Goal} | {(figure.GoalMet ? "yes" : "no")} | {figure.LoadAtStart:0.0} → {figure.LoadAtEnd:0.0} |");
        }

        foreach (var figure in _figures.Values)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"## {figure.Number}. {figure.Title}");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Measured {figure.MeasuredAt:u}, load {figure.LoadAtStart:0.0} → {figure.LoadAtEnd:0.0}. {figure.Method}");
            text.AppendLine();
            text.AppendLine("| value | |");
            text.AppendLine("| --- | --- |");
            foreach (var (name, value) in figure.Values)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value:0.###} |");
            }
        }

        return text.ToString();
    }
}
