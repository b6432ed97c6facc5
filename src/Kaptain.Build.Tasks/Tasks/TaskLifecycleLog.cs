using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Kaptain.Build.Tasks;

/// <summary>
/// The core's <see cref="ILifecycleLog"/> as MSBuild log calls: progress and the workloads' log lines (<c>[pod] ...</c>)
/// at high importance, so that the console logger of a plain <c>dotnet build</c> (minimal verbosity) shows them the
/// moment they happen; details at low importance; coded warnings and errors with their help links.
/// </summary>
/// <remarks>
/// MSBuild's terminal logger (the default on a terminal since .NET 9) shows no task message while the project builds,
/// whatever its importance (dotnet/sdk#43293; <c>src/Build/Logging/TerminalLogger/TerminalLogger.cs</c> in dotnet/msbuild
/// keeps high-importance messages for the project's summary, at detailed verbosity only, and renders immediately only
/// test-runner and credential-provider messages); a task has no progress API (dotnet/msbuild#6944, #10415). The model
/// projects therefore ship a <c>Directory.Build.rsp</c> with <c>-tl:off</c>: see the README, "Live progress".
/// </remarks>
/// <param name="log">The task's MSBuild log.</param>
/// <param name="projectFile">The model project, where the diagnostics point.</param>
/// <param name="exitingConsole">The console, once the process exits under the task (the dotnet CLI's answer to SIGTERM):
/// MSBuild's loggers are no longer drained then, so progress, warnings and errors go there directly.</param>
internal sealed class TaskLifecycleLog(TaskLoggingHelper log, string? projectFile, Func<TextWriter?>? exitingConsole = null) : ILifecycleLog
{
    private readonly HashSet<KaptainDiagnostic> _reported = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public void Info(string message)
    {
        // A training runs for hours: its replicas' lines are what the user follows, as much as the step's own progress.
        if (exitingConsole?.Invoke() is { } console)
        {
            lock (console)
            {
                console.WriteLine(message);
                console.Flush();
            }

            return;
        }

        log.LogMessage(MessageImportance.High, "{0}", message);
    }

    /// <inheritdoc />
    public void Detail(string message) => log.LogMessage(MessageImportance.Low, "{0}", message);

    /// <inheritdoc />
    public void Warning(KaptainDiagnostic diagnostic)
    {
        if (Remember(diagnostic) && !WroteToExitingConsole(diagnostic))
        {
            log.LogWarning(null, diagnostic.Code, null, diagnostic.HelpLink, projectFile, 0, 0, 0, 0, "{0}", diagnostic.Message);
        }
    }

    /// <inheritdoc />
    public void Error(KaptainDiagnostic diagnostic)
    {
        if (Remember(diagnostic))
        {
            WroteToExitingConsole(diagnostic);
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

    // An error still goes to MSBuild as well (the task's result is whether it logged one); a warning does not.
    private bool WroteToExitingConsole(KaptainDiagnostic diagnostic)
    {
        if (exitingConsole?.Invoke() is not { } console)
        {
            return false;
        }

        KaptainTask.WriteCanonical(console, diagnostic, projectFile);
        return true;
    }

    private bool Remember(KaptainDiagnostic diagnostic)
    {
        lock (_gate)
        {
            return _reported.Add(diagnostic);
        }
    }
}
