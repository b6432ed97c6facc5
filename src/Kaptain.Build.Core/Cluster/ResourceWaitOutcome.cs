namespace Kaptain.Build.Cluster;

/// <summary>How a wait on a resource ended.</summary>
public enum ResourceWaitOutcome
{
    /// <summary>The resource reached the awaited state.</summary>
    Satisfied,

    /// <summary>The resource does not exist (any more).</summary>
    Deleted,

    /// <summary>The timeout passed first; the result carries the last state seen.</summary>
    TimedOut,
}
