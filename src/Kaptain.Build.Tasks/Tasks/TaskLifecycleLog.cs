using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Kaptain.Build.Tasks;

/// <summary>
/// The core's <see cref="ILifecycleLog"/> as MSBuild log calls: progress at high importance (shown by a plain
/// <c>dotnet build</c>), the workloads' log lines (<c>[pod] ...</c>) at normal importance (shown from <c>-v:n</c>, as
/// other tools' output is), details at low importance, and coded warnings and errors with their help links.
/// </summary>
internal sealed class TaskLifecycleLog(TaskLoggingHelper log, string? projectFile) : ILifecycleLog
{
    private readonly HashSet<KaptainDiagnostic> _reported = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public void Info(string message)
    {
        // The core prefixes streamed pod log lines with "[pod-name]"; everything else is the step's own progress.
        var importance = message.StartsWith('[') ? MessageImportance.Normal : MessageImportance.High;
        log.LogMessage(importance, "{0}", message);
    }

    /// <inheritdoc />
    public void Detail(string message) => log.LogMessage(MessageImportance.Low, "{0}", message);

    /// <inheritdoc />
    public void Warning(KaptainDiagnostic diagnostic)
    {
        if (Remember(diagnostic))
        {
            log.LogWarning(null, diagnostic.Code, null, diagnostic.HelpLink, projectFile, 0, 0, 0, 0, "{0}", diagnostic.Message);
        }
    }

    /// <inheritdoc />
    public void Error(KaptainDiagnostic diagnostic)
    {
        if (Remember(diagnostic))
        {
            log.LogError(null, diagnostic.Code, null, diagnostic.HelpLink, projectFile, 0, 0, 0, 0, "{0}", diagnostic.Message);
        }
    }

    /// <summary>Logs the diagnostics of a step's exception that the step did not log already (the core logs an error
    /// before it throws it; errors raised before the step started, such as model validation, are not).</summary>
    public void Report(IEnumerable<KaptainDiagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error)
            {
                Error(diagnostic);
            }
            else
            {
                Warning(diagnostic);
            }
        }
    }

    private bool Remember(KaptainDiagnostic diagnostic)
    {
        lock (_gate)
        {
            return _reported.Add(diagnostic);
        }
    }
}
