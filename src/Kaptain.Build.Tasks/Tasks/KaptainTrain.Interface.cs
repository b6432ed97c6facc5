using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Trains the model with a TFJob or PyTorchJob: creates it, streams every replica's log into the build, waits for the
/// job's end (by watch) within <c>KaptainTrainTimeout</c>, and keeps the finished job unless force cleanup is asked for.
/// On failure, timeout or Ctrl+C everything the run created is removed. Used by the <c>KaptainTrain</c> target.
/// </summary>
public sealed partial class KaptainTrain
{
    /// <summary>The image to train with, normally <c>KaptainBuildImage</c>'s <c>Image</c> output; when empty, the image
    /// for the build context's checksum.</summary>
    public string Image { get; set; } = string.Empty;

    /// <summary>The training job's kind: <c>TFJob</c> or <c>PyTorchJob</c>.</summary>
    [Output]
    public string JobKind { get; private set; } = string.Empty;

    /// <summary>The training job's name.</summary>
    [Output]
    public string JobName { get; private set; } = string.Empty;

    /// <summary>The job's final state: <c>Succeeded</c>.</summary>
    [Output]
    public string JobState { get; private set; } = string.Empty;

    /// <summary>Whether the job stays on the cluster.</summary>
    [Output]
    public bool JobKept { get; private set; }
}
