using System.Diagnostics;
using System.Text;

namespace Kaptain.Testing;

/// <summary>
/// A server process started by a fixture: its output is kept (for the message when it fails to start) and it is stopped
/// by pid, first politely (SIGTERM), then for good.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> lineWaiters = [];

    private ServerProcess(Process process) => this.process = process;

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static ServerProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += (_, _) => server.OnExited();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Completes with the first output line that matches; fails when the process exits first.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (log)
        {
            foreach (var line in log.ToString().Split('\n'))
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            lineWaiters.Add((match, seen));
        }

        if (process.HasExited)
        {
            OnExited();
        }

        return seen.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited && UnixSignal.Send(process.Id, UnixSignal.Terminate))
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The process was never started or is already reaped.
        }
        finally
        {
            process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (log)
        {
            log.AppendLine(line);
            lineWaiters.RemoveAll(waiter =>
            {
                if (!waiter.Match(line))
                {
                    return false;
                }

                matched.Add(waiter.Seen);
                return true;
            });
        }

        matched.ForEach(seen => seen.TrySetResult(line));
    }

    private void OnExited()
    {
        List<TaskCompletionSource<string>> waiting;
        lock (log)
        {
            waiting = [.. lineWaiters.Select(waiter => waiter.Seen)];
            lineWaiters.Clear();
        }

        foreach (var seen in waiting)
        {
            seen.TrySetException(new InvalidOperationException(
                $"'{process.StartInfo.FileName}' exited before it was ready. Its output:{Environment.NewLine}{Log}"));
        }
    }
}
