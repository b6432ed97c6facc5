using System.Collections.Concurrent;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// A lifecycle log that keeps every line (and echoes it to the test output), and runs a test's action the moment a
/// line matching its trigger is logged, on the step's own thread: "when the Job is created, do this".
/// </summary>
internal sealed class RecordingLog : ILifecycleLog
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentQueue<string> infoLines = new();
    private readonly ConcurrentQueue<KaptainDiagnostic> warnings = new();
    private readonly ConcurrentQueue<KaptainDiagnostic> errors = new();
    private readonly List<(Func<string, bool> Trigger, Action<string> Action)> hooks = [];
    private readonly Lock gate = new();

    public IReadOnlyList<string> Lines => [.. lines];

    /// <summary>The lines a build shows at normal verbosity (Info; not the detailed ones, nor warnings and errors).</summary>
    public IReadOnlyList<string> InfoLines => [.. infoLines];

    public IReadOnlyList<KaptainDiagnostic> Warnings => [.. warnings];

    public IReadOnlyList<KaptainDiagnostic> Errors => [.. errors];

    public string Text => string.Join("\n", lines);

    /// <summary>Runs <paramref name="action"/> once, at the first Info line that <paramref name="trigger"/> accepts.</summary>
    public void When(Func<string, bool> trigger, Action<string> action)
    {
        lock (gate)
        {
            hooks.Add((trigger, action));
        }
    }

    public void Info(string message) => Add("info", message);

    public void Detail(string message) => Add("detail", message);

    public void Warning(KaptainDiagnostic diagnostic)
    {
        warnings.Enqueue(diagnostic);
        Add("warning", diagnostic.ToString());
    }

    public void Error(KaptainDiagnostic diagnostic)
    {
        errors.Enqueue(diagnostic);
        Add("error", diagnostic.ToString());
    }

    private void Add(string level, string message)
    {
        lines.Enqueue(message);
        TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {level}: {message}");
        if (level != "info")
        {
            return;
        }

        infoLines.Enqueue(message);

        List<Action<string>> due = [];
        lock (gate)
        {
            foreach (var hook in hooks.Where(h => h.Trigger(message)).ToList())
            {
                hooks.Remove(hook);
                due.Add(hook.Action);
            }
        }

        foreach (var action in due)
        {
            action(message);
        }
    }
}
