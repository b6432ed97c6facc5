namespace Kaptain.Build.Cluster;

/// <summary>One line of a pod's log (or a note from the streamer, such as a container restart).</summary>
/// <param name="Pod">The pod's name.</param>
/// <param name="Container">The container's name.</param>
/// <param name="Text">The line, without its timestamp.</param>
/// <param name="IsNote">Whether the streamer wrote this line (a restart, the previous container's log starting) rather than the container.</param>
public sealed record PodLogLine(string Pod, string Container, string Text, bool IsNote = false)
{
    /// <summary>The line as the build log shows it: <c>[pod-name] text</c>.</summary>
    public override string ToString() => $"[{Pod}] {Text}";
}
