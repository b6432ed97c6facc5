using System.Diagnostics;

namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// Stops the control plane when the test process dies without disposing it (a crash, a kill, a timeout of the test
/// host): a shell in a session of its own that checks once a second whether the test process is alive and, once it is
/// not, sends SIGTERM and then SIGKILL to the process group of every pid in <c>pids/</c>, and removes the state folder.
/// </summary>
internal sealed class ControlPlaneWatchdog : IDisposable
{
    private const string Script = """
        owner=$1 state=$2
        while kill -0 "$owner" 2>/dev/null; do sleep 1; done
        for f in "$state"/pids/*.pid; do [ -f "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null; done
        sleep 5
        for f in "$state"/pids/*.pid; do [ -f "$f" ] && kill -KILL -- "-$(cat "$f")" 2>/dev/null; done
        rm -rf -- "$state"
        """;

    private readonly Process _process;

    private ControlPlaneWatchdog(Process process) => _process = process;

    public static ControlPlaneWatchdog Start(string stateDirectory)
    {
        var startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var argument in new[] { "bash", "-c", Script, "watchdog", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), stateDirectory })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("The control plane watchdog did not start.");
        process.StandardInput.Close();
        return new ControlPlaneWatchdog(process);
    }

    /// <summary>Ends the watchdog (after the processes were stopped normally).</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                UnixSignal.Send(_process.Id, 9);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }
}
