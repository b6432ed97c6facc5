namespace Kaptain.Build.Bench;

/// <summary>One figure of issue 4's benchmarks: measured, then written to the results, never asserted.</summary>
internal interface IFigure
{
    /// <summary>The figure's number in issue 4.</summary>
    int Number { get; }

    /// <summary>The command-line name.</summary>
    string Name { get; }

    /// <summary>What is measured.</summary>
    string Title { get; }

    /// <summary>Measures and returns the figure.</summary>
    Task<FigureResult> RunAsync(CancellationToken cancellationToken);
}
