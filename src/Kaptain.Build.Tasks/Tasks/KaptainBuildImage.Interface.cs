using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Builds and pushes the model image with Kaniko on the cluster, unless the registry already has the image for the
/// build context's checksum (then nothing is created). The context is streamed as a <c>.tar.gz</c> to the S3 bucket;
/// the builder's log is shown as the build runs. Used by the <c>KaptainBuildImage</c> target.
/// </summary>
public sealed partial class KaptainBuildImage
{
    /// <summary>The image with its tag and digest: <c>registry/name:tag@sha256:...</c>.</summary>
    [Output]
    public string Image { get; private set; } = string.Empty;

    /// <summary>The image's digest (<c>sha256:...</c>).</summary>
    [Output]
    public string ImageDigest { get; private set; } = string.Empty;

    /// <summary>The content checksum of everything that goes into the image.</summary>
    [Output]
    public string ContextChecksum { get; private set; } = string.Empty;

    /// <summary><see langword="true"/> when the image was built by this run, <see langword="false"/> when it was up to date.</summary>
    [Output]
    public bool Built { get; private set; }

    /// <summary>The Kaniko Job's name, when the image was built.</summary>
    [Output]
    public string JobName { get; private set; } = string.Empty;
}
