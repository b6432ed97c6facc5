using System.Diagnostics;
using System.Text;

namespace Kaptain.Testing;

/// <summary>A started <see cref="DotnetCommand"/>: read its log so far, wait for a line, interrupt it, wait for its end.</summary>
public sealed class RunningDotnetCommand : IAsyncDisposable
{
    private readonly Process process;
    private readonly Stopwatch stopwatch = Stopwatch.StartNew();
    private readonly StringBuilder log = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> waiters = [];
    private readonly TaskCompletionSource outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int openStreams = 2;

    private RunningDotnetCommand(Process process) => this.process = process;

    /// <summary>The process id of <c>dotnet</c>.</summary>
    public int Pid => process.Id;

    /// <summary>The log so far: standard output and error interleaved.</summary>
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

    /// <summary>Completes with the first log line for which <paramref name="match"/> holds (lines already seen count).</summary>
    /// <exception cref="InvalidOperationException">The process ended without such a line; the message has the log.</exception>
    public Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (log)
        {
            var earlier = log.ToString().Split(Environment.NewLine).FirstOrDefault(match);
            if (earlier is not null)
            {
                return Task.FromResult(earlier);
            }

            if (openStreams == 0)
            {
                throw new InvalidOperationException($"The command ended without the expected line. Its log:{Environment.NewLine}{log}");
            }

            waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes with the first log line that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLineAsync(string text, CancellationToken cancellationToken) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), cancellationToken);

    /// <summary>Sends SIGINT to the <c>dotnet</c> process, as Ctrl+C in a terminal does; false when it already ended.</summary>
    public bool Interrupt() => Signal(UnixSignal.Interrupt);

    /// <summary>Sends <paramref name="signal"/> to the <c>dotnet</c> process, as a CI runner does when it cancels a step;
    /// false when it already ended.</summary>
    public bool Signal(int signal) => UnixSignal.Send(process.Id, signal);

    /// <summary>Waits for the process to end and its output to be read. Cancelling kills the process tree and throws.</summary>
    public async Task<DotnetCommandResult> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await outputClosed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree();
            throw;
        }

        return new DotnetCommandResult(process.ExitCode, Log, stopwatch.Elapsed);
    }

    /// <summary>Kills the process tree if it is still running.</summary>
    public async ValueTask DisposeAsync()
    {
        KillTree();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // It did not die in time; nothing more a test can do.
        }

        process.Dispose();
    }

    internal static RunningDotnetCommand Start(ProcessStartInfo startInfo)
    {
        var process = new Process { StartInfo = startInfo };
        var running = new RunningDotnetCommand(process);
        process.OutputDataReceived += (_, e) => running.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => running.OnLine(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    private void KillTree()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnLine(string? line)
    {
        List<TaskCompletionSource<string>> matched = [];
        List<TaskCompletionSource<string>> orphaned = [];
        var closed = false;
        lock (log)
        {
            if (line is null)
            {
                if (--openStreams == 0)
                {
                    closed = true;
                    orphaned.AddRange(waiters.Select(waiter => waiter.Seen));
                    waiters.Clear();
                }
            }
            else
            {
                log.AppendLine(line);
                waiters.RemoveAll(waiter =>
                {
                    if (!waiter.Match(line))
                    {
                        return false;
                    }

                    matched.Add(waiter.Seen);
                    return true;
                });
            }
        }

        matched.ForEach(seen => seen.TrySetResult(line!));
        if (closed)
        {
            foreach (var seen in orphaned)
            {
                seen.TrySetException(new InvalidOperationException($"The command ended without the expected line. Its log:{Environment.NewLine}{Log}"));
            }

            outputClosed.TrySetResult();
        }
    }
}
