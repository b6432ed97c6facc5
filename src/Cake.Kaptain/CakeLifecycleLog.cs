using Cake.Core.Diagnostics;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;

namespace Cake.Kaptain;

/// <summary>Sends the core's progress, pod log lines and diagnostics to Cake's log at the verbosity the user chose.</summary>
internal sealed class CakeLifecycleLog(ICakeLog log) : ILifecycleLog
{
    // Messages are passed as arguments, never as format strings: pod log lines contain braces.
    public void Info(string message) => log.Write(Verbosity.Normal, LogLevel.Information, "{0}", message);

    public void Detail(string message) => log.Write(Verbosity.Verbose, LogLevel.Verbose, "{0}", message);

    public void Warning(KaptainDiagnostic diagnostic) =>
        log.Write(Verbosity.Minimal, LogLevel.Warning, "{0}: {1} ({2})", diagnostic.Code, diagnostic.Message, diagnostic.HelpLink);

    public void Error(KaptainDiagnostic diagnostic) =>
        log.Write(Verbosity.Quiet, LogLevel.Error, "{0}: {1} ({2})", diagnostic.Code, diagnostic.Message, diagnostic.HelpLink);
}
