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

    /// <summary>The README's bench section, between these markers, is written from the results (never by hand).</summary>
    public const string ReadmeBegin = "<!-- BEGIN bench-figures -->";

    /// <inheritdoc cref="ReadmeBegin"/>
    public const string ReadmeEnd = "<!-- END bench-figures -->";

    /// <summary>
    /// Rewrites the README's bench section from the results: where and how they were measured, one row per figure with
    /// its date and the machine's load, and each figure's note. Run with <c>KAPTAIN_UPDATE_README=1</c> (as the README's
    /// model table is), so that a partial run on a busy machine does not overwrite the quoted figures by accident.
    /// </summary>
    public void UpdateReadme(string readmePath)
    {
        var readme = File.ReadAllText(readmePath);
        var begin = readme.IndexOf(ReadmeBegin, StringComparison.Ordinal);
        var end = readme.IndexOf(ReadmeEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{readmePath} has no {ReadmeBegin} ... {ReadmeEnd} section");
        }

        var text = new StringBuilder();
        text.AppendLine(ReadmeBegin);
        text.AppendLine();
        var loads = _figures.Values.Select(f => f.LoadAtStart).Concat(_figures.Values.Select(f => f.LoadAtEnd)).Where(l => !double.IsNaN(l)).DefaultIfEmpty(double.NaN);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Last figures (written from `artifacts/bench/results.json` by `KAPTAIN_UPDATE_README=1 dotnet run -c Release --project bench/Kaptain.Build.Bench -- <figures>|all`), measured on {Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}; the load column is the 1-minute load average at each figure's start and end (above {Environment.ProcessorCount}, other work shared the machine and the times are depressed; this run's loads ranged {loads.Min():0.#} to {loads.Max():0.#}). The method of each figure is in `artifacts/bench/results.md`.");
        text.AppendLine();
        text.AppendLine("| # | figure | measured (UTC) | load | result | goal | met |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var figure in _figures.Values)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Label(figure)} | {figure.Title} | {figure.MeasuredAt.UtcDateTime:yyyy-MM-dd HH:mm} | {figure.LoadAtStart:0.#} → {figure.LoadAtEnd:0.#} | {figure.Summary} | {figure.Goal} | {(figure.GoalMet ? "yes" : "no")} |");
        }

        foreach (var figure in _figures.Values.Where(f => f.Note is not null))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{Label(figure)}: {figure.Note}");
        }

        text.AppendLine();
        File.WriteAllText(readmePath, readme[..begin] + text + readme[end..]);
    }

    // P1-P6 as numbered in issue 11; figure 7 is P4 measured on the real control plane.
    private static string Label(FigureResult figure) => figure.Number == 7 ? "P4 (real)" : "P" + figure.Number.ToString(CultureInfo.InvariantCulture);

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
