namespace Kaptain.Build.Bench;

/// <summary>One figure of the benchmarks (issues 4 and 11): measured, then written to the results, never asserted.</summary>
internal interface IFigure
{
    /// <summary>The figure's number (P1-P6 in issue 11).</summary>
    int Number { get; }

    /// <summary>The command-line name.</summary>
    string Name { get; }

    /// <summary>What is measured.</summary>
    string Title { get; }

    /// <summary>The goal, as written in the results.</summary>
    string Goal { get; }

    /// <summary>How long the whole figure may take before it fails as overrun.</summary>
    TimeSpan TimeLimit => BenchLimits.Figure;

    /// <summary>Measures and returns the figure.</summary>
    Task<FigureResult> RunAsync(CancellationToken cancellationToken);
}
