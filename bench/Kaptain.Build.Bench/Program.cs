using Kaptain.Build.Bench;

// dotnet run -c Release --project bench/Kaptain.Build.Bench -- <figure>|all
// Figures: up-to-date (1), context (2), terminal-status (3), interrupt (4), tune-1000 (5), append (6).
// Results: artifacts/bench/results.md/.json (and the README's bench section with KAPTAIN_UPDATE_README=1). Every figure runs within BenchLimits.Figure; one that cannot run or
// overruns is written as "not measured" with the reason, and the next one runs.
if (args is [ContextUploadFigure.WorkerCommand, ..])
{
    // The context figure measures its peak memory in a process of its own (see ContextUploadFigure).
    return await ContextUploadFigure.RunWorkerAsync(args[1..]);
}

var figures = Figures.All;
var chosen = new List<IFigure>();
foreach (var name in args is [] ? ["all"] : args)
{
    var found = figures.Where(f => name == "all" || f.Name == name || f.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) == name).ToList();
    chosen.AddRange(found);
    if (found.Count > 0)
    {
        continue;
    }

    Console.Error.WriteLine($"usage: Kaptain.Build.Bench <figure>|all; figures: {string.Join(", ", figures.Select(f => $"{f.Number} {f.Name}"))}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var results = BenchResults.Load();
foreach (var figure in chosen)
{
    Console.WriteLine($"== {figure.Number}. {figure.Title}");
    var loadAtStart = BenchLimits.LoadAverage();
    FigureResult result;
    try
    {
        result = await BenchLimits.WithinAsync(figure.TimeLimit, $"figure {figure.Number} ({figure.Name})", figure.RunAsync, cancel.Token);
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        Console.Error.WriteLine($"Interrupted during figure {figure.Number}; the figures measured before it are in {BenchResults.MarkdownPath}");
        return 130;
    }
    catch (Exception exception) when (exception is BenchFailure or InvalidOperationException or TimeoutException or IOException
        || (exception is OperationCanceledException && !cancel.IsCancellationRequested))
    {
        result = FigureResult.Failed(figure, figure.Goal, exception.Message.Split('\n')[0].Trim());
        Console.Error.WriteLine($"figure {figure.Number} failed: {exception}");
    }

    result.LoadAtStart = loadAtStart;
    result.LoadAtEnd = BenchLimits.LoadAverage();
    Console.WriteLine(result.Summary);
    results.Set(result);
    results.Save();
}

Console.WriteLine($"Wrote {BenchResults.MarkdownPath} and {BenchResults.JsonPath}");
if (Environment.GetEnvironmentVariable("KAPTAIN_UPDATE_README") == "1")
{
    var readme = Kaptain.Testing.RepositoryPaths.Combine("README.md");
    results.UpdateReadme(readme);
    Console.WriteLine($"Wrote the bench section of {readme}");
}

return 0;
