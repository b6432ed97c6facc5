using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>The outcome of <see cref="KaptainLifecycle.BuildImageAsync"/>.</summary>
public sealed record BuildImageResult : LifecycleStepResult
{
    /// <summary>The image with its tag and the digest the registry has for it (<c>registry/dev/mnist:sha-...@sha256:...</c>).</summary>
    public required ImageReference Image { get; init; }

    /// <summary>The content checksum of the build context that decided whether to build.</summary>
    public required string ContextChecksum { get; init; }

    /// <summary>
    /// Whether the image was built in this run; <see langword="false"/> when the registry already had it (up to date:
    /// nothing was created on the cluster or in the object store).
    /// </summary>
    public required bool Built { get; init; }

    /// <summary>The Kaniko Job's name, when the image was built.</summary>
    public string? JobName { get; init; }
}
