namespace Kaptain.Build.Bench;

/// <summary>A measured figure: named values (with units in their names), the goal, and whether this run met it.</summary>
internal sealed record FigureResult
{
    public required int Number { get; init; }

    public required string Name { get; init; }

    public required string Title { get; init; }

    public required string Goal { get; init; }

    /// <summary>Whether the measured values meet <see cref="Goal"/>.</summary>
    public required bool GoalMet { get; init; }

    /// <summary>One line that states the figure.</summary>
    public required string Summary { get; init; }

    /// <summary>The measured values, e.g. <c>"kaptain_median_s": 1.9</c>.</summary>
    public required IReadOnlyDictionary<string, double> Values { get; init; }

    /// <summary>How it was measured (machine, sizes, repetitions).</summary>
    public required string Method { get; init; }

    /// <summary>What bounds the figure or how to read it (for example the upload ceiling in P2), quoted under the README's
    /// table; null when there is nothing to add.</summary>
    public string? Note { get; init; }

    public DateTimeOffset MeasuredAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The machine's 1-minute load average when the figure started and ended (the machine may be shared).</summary>
    public double LoadAtStart { get; set; } = double.NaN;

    /// <inheritdoc cref="LoadAtStart"/>
    public double LoadAtEnd { get; set; } = double.NaN;

    /// <summary>Why the figure could not be measured; null when it was.</summary>
    public string? Failure { get; init; }

    /// <summary>A figure that could not be measured: no values, goal not met, the reason in the summary.</summary>
    public static FigureResult Failed(IFigure figure, string goal, string reason) => new()
    {
        Number = figure.Number,
        Name = figure.Name,
        Title = figure.Title,
        Goal = goal,
        GoalMet = false,
        Summary = "not measured: " + reason,
        Values = new Dictionary<string, double>(),
        Method = "The figure failed before it could be measured.",
        Failure = reason,
    };
}
