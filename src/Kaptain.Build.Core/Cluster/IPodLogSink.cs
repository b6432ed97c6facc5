namespace Kaptain.Build.Cluster;

/// <summary>
/// Where followed pod log lines go: the MSBuild task logs them as messages, the Cake addin writes them to its log.
/// Calls never overlap (the streamer serialises them), so an implementation needs no locking.
/// </summary>
public interface IPodLogSink
{
    /// <summary>Receives one line.</summary>
    void WriteLine(PodLogLine line);
}
