using Kaptain.Build.Model;

namespace Kaptain.Build.Context;

/// <summary>
/// What goes into the model image: the files (ordered by context path), the Dockerfile text (written at the context
/// root as <c>Dockerfile</c>), the content checksum, and the image reference with its final tag.
/// </summary>
public sealed class BuildContext
{
    /// <summary>The name of the Dockerfile at the context root; Kaniko is run with <c>--dockerfile=Dockerfile</c>.</summary>
    public const string DockerfileName = "Dockerfile";

    /// <summary>The files, ordered by <see cref="BuildContextEntry.ContextPath"/> (ordinal); the Dockerfile is not among them.</summary>
    public required IReadOnlyList<BuildContextEntry> Entries { get; init; }

    /// <summary>The Dockerfile text: the model's own Dockerfile or a generated one. A packer writes it as <see cref="DockerfileName"/>.</summary>
    public required string Dockerfile { get; init; }

    /// <summary>Whether <see cref="Dockerfile"/> was generated (rather than the model's own).</summary>
    public required bool IsDockerfileGenerated { get; init; }

    /// <summary>The SHA-256 (lowercase hex) over the sorted context paths and contents, the Dockerfile and the base image.</summary>
    public required string Checksum { get; init; }

    /// <summary>The image to build: the model image with its own tag, or with <see cref="ChecksumTag"/> when it has none.</summary>
    public required ImageReference Image { get; init; }

    /// <summary>The tag derived from the content: <c>sha-</c> and the first 16 hex characters of <see cref="Checksum"/>.</summary>
    public string ChecksumTag => TagFor(Checksum);

    /// <summary>The image tag derived from a context checksum.</summary>
    public static string TagFor(string checksum) => "sha-" + checksum[..16];
}
