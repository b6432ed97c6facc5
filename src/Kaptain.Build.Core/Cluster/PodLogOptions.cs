namespace Kaptain.Build.Cluster;

/// <summary>What part of a container's log to read.</summary>
public sealed record PodLogOptions
{
    /// <summary>The container; may be omitted when the pod has one.</summary>
    public string? Container { get; init; }

    /// <summary>Keep the stream open and receive lines as they are written.</summary>
    public bool Follow { get; init; }

    /// <summary>The log of the previous (restarted) instance of the container.</summary>
    public bool Previous { get; init; }

    /// <summary>Prefix each line with its RFC 3339 timestamp (used to resume a dropped stream without repeats).</summary>
    public bool Timestamps { get; init; }

    /// <summary>Only lines newer than this many seconds.</summary>
    public int? SinceSeconds { get; init; }

    /// <summary>Only the last this many lines.</summary>
    public int? TailLines { get; init; }
}
