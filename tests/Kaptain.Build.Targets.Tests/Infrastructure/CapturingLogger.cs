using System.Text;
using Microsoft.Build.Framework;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>Keeps every event of an in-process build: the errors and warnings by code, and the whole log as text.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly StringBuilder _text = new();
    private readonly List<BuildErrorEventArgs> _errors = [];
    private readonly List<BuildWarningEventArgs> _warnings = [];
    private readonly HashSet<string> _skippedTargets = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _executedTasks = new(StringComparer.OrdinalIgnoreCase);

    public LoggerVerbosity Verbosity { get; set; } = LoggerVerbosity.Diagnostic;

    public string? Parameters { get; set; }

    public IReadOnlyList<BuildErrorEventArgs> Errors => _errors;

    public IReadOnlyList<BuildWarningEventArgs> Warnings => _warnings;

    /// <summary>Targets skipped because their outputs were up to date.</summary>
    public IReadOnlySet<string> SkippedTargets => _skippedTargets;

    /// <summary>Tasks that ran (by name).</summary>
    public IReadOnlySet<string> ExecutedTasks => _executedTasks;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void Initialize(IEventSource eventSource)
    {
        eventSource.AnyEventRaised += (_, e) =>
        {
            lock (_text)
            {
                switch (e)
                {
                    case BuildErrorEventArgs error:
                        _errors.Add(error);
                        _text.AppendLine($"error {error.Code}: {error.Message}");
                        break;
                    case BuildWarningEventArgs warning:
                        _warnings.Add(warning);
                        _text.AppendLine($"warning {warning.Code}: {warning.Message}");
                        break;
                    case TargetSkippedEventArgs skipped:
                        if (skipped.SkipReason == TargetSkipReason.OutputsUpToDate)
                        {
                            _skippedTargets.Add(skipped.TargetName);
                        }

                        _text.AppendLine(skipped.Message);
                        break;
                    case TaskStartedEventArgs task:
                        _executedTasks.Add(task.TaskName);
                        _text.AppendLine(task.Message);
                        break;
                    default:
                        _text.AppendLine(e.Message);
                        break;
                }
            }
        };
    }

    public void Shutdown()
    {
    }
}
