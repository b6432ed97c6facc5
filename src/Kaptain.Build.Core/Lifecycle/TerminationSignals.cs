using System.Runtime.InteropServices;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Turns the signals that stop a build into cancellation of one step, and keeps the process alive while that step
/// removes what it created. CI systems cancel a step with SIGINT, then SIGTERM after a grace period, then SIGKILL (GitHub
/// Actions, Azure DevOps); <c>docker stop</c>, <c>timeout</c> and Kubernetes-hosted runners send SIGTERM; a closed
/// terminal sends SIGHUP. The .NET runtime ends the process on SIGTERM and SIGHUP unless a handler cancels that, and
/// MSBuild itself only handles Ctrl+C (<c>Console.CancelKeyPress</c> in dotnet/msbuild <c>src/MSBuild/XMake.cs</c>), so
/// without this a CI cancellation kills the build in the middle of a step and leaves its resources behind.
/// </summary>
/// <remarks>
/// Registrations are process-wide and only last while the step runs: outside a step the signals keep their default
/// (nothing of a run is on the cluster then, and a later <c>KaptainCleanup</c> covers a SIGKILL). Every handler of a
/// signal runs, so MSBuild's own Ctrl+C handling is not displaced when SIGINT is included.
/// </remarks>
public sealed class TerminationSignals : IDisposable
{
    /// <summary>How long the process is held after it was asked to exit, for the step to clean up: the cleanup's own
    /// 20 s limit and some margin. A CI runner sends SIGKILL after its own grace period anyway.</summary>
    public static readonly TimeSpan ExitHoldLimit = TimeSpan.FromSeconds(30);

    private const int SigtermExitCode = 128 + 15;

    // The exit code a signal conventionally leaves (128 + its number), once one stopped a step: the dotnet CLI's own
    // SIGTERM handling makes `dotnet build` exit with 0 even when the build failed, which a CI system takes for success.
    private static int processExitCode;
    private static int exitHookInstalled;

    private readonly CancellationTokenSource cancellation;
    private readonly List<PosixSignalRegistration> registrations = [];
    private readonly ManualResetEventSlim finished = new();
    private int received;
    private int exitRequested;

    private TerminationSignals(CancellationTokenSource cancellation) => this.cancellation = cancellation;

    /// <summary>The first signal that arrived, or <see langword="null"/>.</summary>
    public PosixSignal? Received => Volatile.Read(ref received) is var value and not 0 ? (PosixSignal)value : null;

    /// <summary>Whether the process began to exit while the step ran (the dotnet CLI ends the process on SIGTERM).</summary>
    public bool ExitRequested => Volatile.Read(ref exitRequested) != 0;

    /// <summary>
    /// What stopped the step, for KAPT4020: the signal's name (<c>SIGTERM</c>); when the process began to exit without
    /// a signal reaching this handler first (the dotnet CLI's own SIGTERM handler ends the process), that; otherwise
    /// <see langword="null"/>.
    /// </summary>
    public string? StopReason => Received?.ToString() ?? (ExitRequested ? "SIGTERM (the process is exiting)" : null);

    /// <summary>
    /// Cancels <paramref name="cancellation"/> on SIGTERM and SIGHUP (and SIGINT when <paramref name="includeInterrupt"/>)
    /// and cancels the default action of the signal, which would end the process, until disposed. When the process
    /// begins to exit anyway (the dotnet CLI turns SIGTERM into an exit of its own), the exit waits — at most
    /// <see cref="ExitHoldLimit"/> — until the step has cleaned up and this object is disposed. Once a signal stopped a
    /// step, the process exits with 128 + the signal's number (143 for SIGTERM) where it would have exited with 0.
    /// </summary>
    /// <param name="cancellation">The step's cancellation.</param>
    /// <param name="includeInterrupt">Whether SIGINT counts too (a host that does not handle Ctrl+C itself, Cake).</param>
    public static TerminationSignals Register(CancellationTokenSource cancellation, bool includeInterrupt)
    {
        ArgumentNullException.ThrowIfNull(cancellation);
        var signals = new TerminationSignals(cancellation);
        AppDomain.CurrentDomain.ProcessExit += signals.OnProcessExit;
        if (OperatingSystem.IsWindows() || OperatingSystem.IsBrowser())
        {
            // Windows has no SIGTERM/SIGHUP senders to speak of (Ctrl+C and Ctrl+Break reach MSBuild as Ctrl+C).
            return signals;
        }

        PosixSignal[] handled = includeInterrupt
            ? [PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT]
            : [PosixSignal.SIGTERM, PosixSignal.SIGHUP];
        foreach (var signal in handled)
        {
            signals.registrations.Add(PosixSignalRegistration.Create(signal, signals.OnSignal));
        }

        return signals;
    }

    /// <summary>Ends the handling: the signals get their default again and a held exit goes on.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        registrations.Clear();
        finished.Set();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: the step returns once its cleanup is done, and the build then ends on its own.
        context.Cancel = true;
        Interlocked.CompareExchange(ref received, (int)context.Signal, 0);
        Interlocked.CompareExchange(ref processExitCode, 128 + SignalNumber(context.Signal), 0);
        if (Interlocked.Exchange(ref exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KeepSignalExitCode();
        }

        Cancel();
    }

    private static void KeepSignalExitCode()
    {
        if (Environment.ExitCode == 0 && Volatile.Read(ref processExitCode) is var code and not 0)
        {
            Environment.ExitCode = code;
        }
    }

    private static int SignalNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        _ => 15,
    };

    // The dotnet CLI answers SIGTERM by ending the process (dotnet build exits with 0 in the middle of a task, while
    // MSBuild.dll on its own is killed with 143); its handler runs before any a task registers. The exit runs the
    // ProcessExit handlers first, so the step is cancelled here and the exit waits for its cleanup.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (finished.IsSet)
        {
            return;
        }

        Volatile.Write(ref exitRequested, 1);
        Cancel();
        finished.Wait(ExitHoldLimit);
        Interlocked.CompareExchange(ref processExitCode, SigtermExitCode, 0);
        KeepSignalExitCode();
    }

    private void Cancel()
    {
        try
        {
            cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The step already ended.
        }
    }
}
