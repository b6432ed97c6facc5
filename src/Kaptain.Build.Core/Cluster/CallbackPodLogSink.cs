namespace Kaptain.Build.Cluster;

/// <summary>An <see cref="IPodLogSink"/> that hands each line, formatted as <c>[pod-name] text</c>, to a callback.</summary>
public sealed class CallbackPodLogSink : IPodLogSink
{
    private readonly Action<string> write;

    /// <summary>Creates the sink.</summary>
    public CallbackPodLogSink(Action<string> write) => this.write = write ?? throw new ArgumentNullException(nameof(write));

    /// <inheritdoc />
    public void WriteLine(PodLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        write(line.ToString());
    }
}
