using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>Records a step's log lines and cancels the step at its <c>n</c>-th interruption point (a line that says a
/// resource was just created or that something began), counting from 1; 0 never cancels.</summary>
public sealed class TriggerLog(int cancelAt, CancellationTokenSource cancellation) : ILifecycleLog
{
    private int _points;

    /// <summary>Every line, in order.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>The interruption points seen.</summary>
    public int Points => _points;

    /// <summary>Whether a line is an interruption point.</summary>
    public static bool IsPoint(string line) =>
        line.StartsWith("Created ", StringComparison.Ordinal) || line.StartsWith("Uploading ", StringComparison.Ordinal)
        || line.StartsWith("Waiting", StringComparison.Ordinal);

    /// <inheritdoc />
    public void Info(string message) => Add(message);

    /// <inheritdoc />
    public void Detail(string message) => Add(message);

    /// <inheritdoc />
    public void Warning(KaptainDiagnostic diagnostic) => Add(diagnostic.ToString());

    /// <inheritdoc />
    public void Error(KaptainDiagnostic diagnostic) => Add(diagnostic.ToString());

    private void Add(string line)
    {
        lock (Lines)
        {
            Lines.Add(line);
        }

        if (IsPoint(line) && Interlocked.Increment(ref _points) == cancelAt)
        {
            cancellation.Cancel();
        }
    }
}
