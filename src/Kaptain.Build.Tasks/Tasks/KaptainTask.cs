using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Microsoft.Build.Framework;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace Kaptain.Build.Tasks;

/// <summary>
/// What every Kaptain task shares: an async core that takes the build's cancellation token, and the translation of
/// the core's coded diagnostics into MSBuild errors and warnings (code, help link, project file).
/// </summary>
/// <remarks>
/// MSBuild cancels a build only on Ctrl+C (SIGINT), through <see cref="Cancel"/>. CI systems also stop a build with
/// SIGTERM and a closed terminal with SIGHUP, which would end the process in the middle of a step: while the task runs,
/// those signals cancel its token as Ctrl+C does (see <see cref="TerminationSignals"/>), the step removes what it
/// created, and the task fails with KAPT4020 so that no later target starts; the build then ends by itself. The dotnet
/// CLI ends the process on SIGTERM whatever a task does; that exit is held until the step has cleaned up.
/// </remarks>
public abstract class KaptainTask : MSBuildTask, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Runs the task's async core; failures are logged as coded diagnostics.</summary>
    /// <returns><see langword="true"/> when no error was logged.</returns>
    public sealed override bool Execute()
    {
        using var signals = TerminationSignals.Register(_cancellation, includeInterrupt: false);
        try
        {
            // MSBuild calls tasks synchronously; this is the one place where the async core is waited on.
            ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (KaptainException e)
        {
            LogDiagnostics(e.Diagnostics, BuildEngine?.ProjectFileOfTaskNode);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // Ctrl+C: MSBuild reports the cancellation itself. A signal MSBuild does not handle is reported below.
        }

        if (signals.StopReason is { } reason)
        {
            // MSBuild does not know the build was stopped: fail the task, or the next target would start.
            LogDiagnostics([KaptainDiagnostic.Error("KAPT4020", reason, reason, GetType().Name)], BuildEngine?.ProjectFileOfTaskNode);
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>Called by MSBuild on Ctrl+C; the token handed to <see cref="ExecuteAsync"/> is cancelled.</summary>
    public void Cancel() => _cancellation.Cancel();

    /// <summary>The task's behaviour. Throw <see cref="KaptainException"/> or log with <see cref="LogDiagnostics"/>.</summary>
    /// <param name="cancellationToken">Cancelled when the build is cancelled.</param>
    protected abstract Task ExecuteAsync(CancellationToken cancellationToken);

    /// <summary>Logs each diagnostic with its code and help link, at <paramref name="file"/>.</summary>
    /// <param name="diagnostics">The diagnostics from the core.</param>
    /// <param name="file">The file the diagnostics are about: the model project.</param>
    protected void LogDiagnostics(IEnumerable<KaptainDiagnostic> diagnostics, string? file)
    {
        foreach (var diagnostic in diagnostics)
        {
            switch (diagnostic.Severity)
            {
                case DiagnosticSeverity.Error:
                    Log.LogError(null, diagnostic.Code, null, diagnostic.HelpLink, file, 0, 0, 0, 0, diagnostic.Message);
                    break;
                case DiagnosticSeverity.Warning:
                    Log.LogWarning(null, diagnostic.Code, null, diagnostic.HelpLink, file, 0, 0, 0, 0, diagnostic.Message);
                    break;
                default:
                    Log.LogMessage(MessageImportance.Normal, diagnostic.ToString());
                    break;
            }
        }
    }
}
