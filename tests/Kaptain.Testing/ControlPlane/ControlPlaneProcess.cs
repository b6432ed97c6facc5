using System.Diagnostics;

namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// One process of the control plane: started in a session (and process group) of its own with <c>setsid</c>, its output
/// appended to a log file, its pid saved in <c>pids/NAME.pid</c> for the <see cref="ControlPlaneWatchdog"/>, and stopped
/// by pid (its whole process group), first with SIGTERM, then SIGKILL.
/// </summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ControlPlaneProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines of the log, for a failure message.</summary>
    public string LogTail(int lines = 30)
    {
        try
        {
            return string.Join(Environment.NewLine, File.ReadLines(LogPath).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public static ControlPlaneProcess Start(string name, string stateDirectory, string fileName, IEnumerable<string> arguments)
    {
        var logPath = Path.Combine(stateDirectory, "logs", name + ".log");
        var pidPath = Path.Combine(stateDirectory, "pids", name + ".pid");
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(pidPath)!);

        // bash execs setsid, which (not being a group leader) execs the binary: the pid we get is the binary's, and it
        // leads a process group of its own that the watchdog can kill after this test process died.
        var startInfo = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            WorkingDirectory = stateDirectory,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec setsid \"$0\" \"$@\" >>\"$CONTROL_PLANE_LOG\" 2>&1 </dev/null");
        startInfo.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["CONTROL_PLANE_LOG"] = logPath;
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{fileName} did not start.");
        File.WriteAllText(pidPath, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new ControlPlaneProcess(name, process, logPath);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                UnixSignal.Send(-_process.Id, UnixSignal.Terminate);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    UnixSignal.Send(-_process.Id, 9);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
