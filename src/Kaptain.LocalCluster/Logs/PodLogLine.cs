namespace Kaptain.LocalCluster.Logs;

/// <summary>One line a container printed.</summary>
/// <param name="Timestamp">When it was printed (shown with <c>timestamps=true</c>).</param>
/// <param name="Text">The line, without its newline.</param>
public sealed record PodLogLine(DateTimeOffset Timestamp, string Text);
