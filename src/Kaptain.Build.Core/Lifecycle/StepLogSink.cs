using Kaptain.Build.Cluster;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Where a step's streamed pod log lines go: to the user (<c>[pod] text</c>) and into a tail kept for failure reports.
/// </summary>
internal sealed class StepLogSink : IPodLogSink
{
    private const int TailLength = 20;
    private readonly ILifecycleLog log;
    private readonly Queue<string> tail = new();
    private readonly Lock gate = new();

    public StepLogSink(ILifecycleLog log) => this.log = log;

    /// <summary>The last lines seen, oldest first.</summary>
    public IReadOnlyList<string> Tail
    {
        get
        {
            lock (gate)
            {
                return [.. tail];
            }
        }
    }

    /// <inheritdoc />
    public void WriteLine(PodLogLine line)
    {
        var text = line.ToString();
        lock (gate)
        {
            tail.Enqueue(text);
            while (tail.Count > TailLength)
            {
                tail.Dequeue();
            }
        }

        log.Info(text);
    }
}
