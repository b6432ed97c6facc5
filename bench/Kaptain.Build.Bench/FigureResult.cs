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

    public DateTimeOffset MeasuredAt { get; init; } = DateTimeOffset.UtcNow;
}
