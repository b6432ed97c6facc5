using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Kaptain.Testing;

/// <summary>Sends POSIX signals to a process by pid (what <c>kill -INT pid</c> does; Ctrl+C in a terminal sends SIGINT).</summary>
public static partial class UnixSignal
{
    /// <summary>The hang-up signal a closed terminal sends.</summary>
    public const int Hangup = 1;

    /// <summary>The interrupt signal a terminal sends on Ctrl+C.</summary>
    public const int Interrupt = 2;

    /// <summary>The polite termination signal: <c>docker stop</c>, <c>timeout</c>, a CI runner after its grace period.</summary>
    public const int Terminate = 15;

    /// <summary>The signal's name (<c>SIGTERM</c>), for test names and messages.</summary>
    public static string Name(int signal) => signal switch
    {
        Hangup => "SIGHUP",
        Interrupt => "SIGINT",
        Terminate => "SIGTERM",
        _ => $"signal {signal}",
    };

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; returns false when the process is already gone.</summary>
    public static bool Send(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Signals are sent on Linux and macOS only.");
        }

        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        const int NoSuchProcess = 3; // ESRCH
        return error == NoSuchProcess ? false : throw new Win32Exception(error);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
