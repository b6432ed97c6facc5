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
/// CLI ends the process on SIGTERM whatever a task does; that exit is held until the step has cleaned up, and what the
/// task reports from then on goes straight to the console (see <see cref="ExitingConsole"/>).
/// </remarks>
public abstract class KaptainTask : MSBuildTask, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();
    private TerminationSignals? _signals;

    /// <summary>
    /// Where the task's errors, warnings and progress go once the process is exiting under it: the console, directly.
    /// The dotnet CLI answers SIGTERM with <c>Environment.Exit(0)</c> (dotnet/sdk <c>src/Cli/dotnet/Program.cs</c>, since
    /// dotnet/sdk#50983), so MSBuild's build never ends and its loggers, which get events through a queue on a thread of
    /// their own, are not drained before the process ends: what the task logged through MSBuild during the held exit
    /// was seen lost, KAPT4020 included, in 2 of 25 SIGTERM and SIGHUP cases on the real control plane. Null while the process is
    /// not exiting.
    /// </summary>
    private protected TextWriter? ExitingConsole => _signals is { ExitRequested: true } ? Console.Out : null;

    /// <summary>Runs the task's async core; failures are logged as coded diagnostics.</summary>
    /// <returns><see langword="true"/> when no error was logged.</returns>
    public sealed override bool Execute()
    {
        using var signals = TerminationSignals.Register(_cancellation, includeInterrupt: false);
        _signals = signals;
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

        _signals = null;
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
            if (ExitingConsole is { } console)
            {
                WriteCanonical(console, diagnostic, file);
                if (diagnostic.Severity == DiagnosticSeverity.Error)
                {
                    // MSBuild gets the error too: the task fails (no later target starts while the exit is held),
                    // and should its loggers still get the line out, it shows twice rather than not at all.
                    Log.LogError(null, diagnostic.Code, null, diagnostic.HelpLink, file, 0, 0, 0, 0, diagnostic.Message);
                }

                continue;
            }

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

    /// <summary>
    /// Writes <paramref name="diagnostic"/> as MSBuild's console logger and CI problem matchers read it
    /// (<c>FILE : error CODE: message</c>), or a message as it is, to a console that MSBuild no longer drains.
    /// </summary>
    internal static void WriteCanonical(TextWriter console, KaptainDiagnostic diagnostic, string? file)
    {
        var severity = diagnostic.Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => null,
        };
        var line = severity is null
            ? diagnostic.ToString()
            : $"{(string.IsNullOrEmpty(file) ? "Kaptain.Build" : file)} : {severity} {diagnostic.Code}: {diagnostic.Message}";
        lock (console)
        {
            console.WriteLine(line);
            console.Flush();
        }
    }
}
