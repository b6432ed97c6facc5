using System.Text.RegularExpressions;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Where a step's streamed pod log lines go: to the user (<c>[pod] text</c>), into a tail kept for failure reports, and
/// past a digest detector for the builder's <c>digest: sha256:...</c> line.
/// </summary>
internal sealed partial class StepLogSink : IPodLogSink
{
    private const int TailLength = 20;
    private readonly ILifecycleLog log;
    private readonly Queue<string> tail = new();
    private readonly Lock gate = new();
    private string? digest;

    public StepLogSink(ILifecycleLog log) => this.log = log;

    /// <summary>The last image digest a container printed (<c>sha256:...</c>), if any.</summary>
    public string? Digest
    {
        get
        {
            lock (gate)
            {
                return digest;
            }
        }
    }

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

            if (!line.IsNote && DigestLine().Match(line.Text) is { Success: true } match)
            {
                digest = match.Groups["digest"].Value;
            }
        }

        log.Info(text);
    }

    [GeneratedRegex(@"digest:\s*(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex DigestLine();
}
