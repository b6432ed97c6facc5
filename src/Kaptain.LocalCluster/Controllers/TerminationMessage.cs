using System.Text;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The termination message the kubelet reports for a container that exited
/// (<c>state.terminated.message</c>), as kubernetes <c>pkg/kubelet/kuberuntime/kuberuntime_container.go</c> computes it
/// (<c>convertToKubeContainerStatus</c>, <c>getTerminationMessage</c>, <c>readLastStringFromContainerLogs</c>): what
/// the container wrote to its <c>terminationMessagePath</c>, its last 4096 bytes; with
/// <c>terminationMessagePolicy: FallbackToLogsOnError</c>, when that file is empty and the exit code is not 0, the
/// last 80 lines of that container instance's log instead, of which the last 2048 bytes are kept (a circular buffer),
/// each line ending in a newline as the log reader writes it. The limits are <c>pkg/kubelet/container/runtime.go</c>'s
/// <c>MaxContainerTerminationMessageLength</c>, <c>MaxContainerTerminationMessageLogLines</c> and
/// <c>MaxContainerTerminationMessageLogLength</c>.
/// </summary>
internal static class TerminationMessage
{
    /// <summary>The policy that falls back to the log (the API server's default is <c>File</c>).</summary>
    public const string FallbackToLogsOnError = "FallbackToLogsOnError";

    /// <summary>The most bytes of the message file the kubelet reads (its tail).</summary>
    public const int MaxLength = 1024 * 4;

    /// <summary>The most log lines the fallback reads.</summary>
    public const int MaxLogLines = 80;

    /// <summary>The most bytes of those lines the fallback keeps (the last ones).</summary>
    public const int MaxLogLength = 1024 * 2;

    /// <summary>
    /// The message of a container that exited with <paramref name="exitCode"/> under <paramref name="policy"/> (null:
    /// <c>File</c>), having written <paramref name="written"/> to its message file and printed <paramref name="log"/>
    /// (this instance's lines, oldest first); null when there is none.
    /// </summary>
    public static string? For(string? policy, int exitCode, string? written, IReadOnlyList<string> log)
    {
        if (!string.IsNullOrEmpty(written))
        {
            return Tail(Encoding.UTF8.GetBytes(written), MaxLength);
        }

        if (policy != FallbackToLogsOnError || exitCode == 0 || log.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var line in log.Skip(Math.Max(0, log.Count - MaxLogLines)))
        {
            text.Append(line).Append('\n');
        }

        return Tail(Encoding.UTF8.GetBytes(text.ToString()), MaxLogLength);
    }

    // The kubelet keeps bytes, not characters: a cut through a UTF-8 sequence shows as U+FFFD once the API server
    // encodes the status as JSON.
    private static string Tail(byte[] bytes, int max) =>
        Encoding.UTF8.GetString(bytes, Math.Max(0, bytes.Length - max), Math.Min(bytes.Length, max));
}
