namespace Kaptain.LocalCluster.Simulation;

/// <summary>How a simulated Kaniko build ended.</summary>
/// <param name="Digest">The pushed manifest's digest (<c>sha256:...</c>) when the build succeeded, else null.</param>
/// <param name="Error">The <c>Error: ...</c> line when it failed, else null.</param>
internal sealed record KanikoResult(string? Digest, string? Error)
{
    /// <summary>Whether the image was pushed.</summary>
    public bool Succeeded => Digest is not null;
}
