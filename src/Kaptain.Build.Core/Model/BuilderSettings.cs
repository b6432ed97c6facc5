namespace Kaptain.Build.Model;

/// <summary>How the model image is built with Kaniko.</summary>
/// <param name="Image">The Kaniko executor image (<c>KaptainBuilderImage</c>).</param>
/// <param name="Resources">The builder's requests and limits.</param>
/// <param name="Timeout">How long to wait for the build (<c>KaptainBuildTimeout</c>).</param>
public sealed record BuilderSettings(string Image, ComputeResources Resources, TimeSpan Timeout)
{
    /// <summary>How the image is built (<c>KaptainImageBuilder</c>).</summary>
    public ImageBuilderMode Mode { get; init; } = ImageBuilderMode.Auto;

    /// <summary>Whether Kaniko runs with <c>--cache=true</c> (<c>KaptainBuilderCache</c>).</summary>
    public bool Cache { get; init; }

    /// <summary>The <c>--cache-repo</c> (<c>KaptainBuilderCacheRepository</c>), or null for Kaniko's default.</summary>
    public string? CacheRepository { get; init; }

    /// <summary>The <c>--cache-ttl</c> as Kaniko reads it (a Go duration, <c>KaptainBuilderCacheTtl</c>), or null for Kaniko's default.</summary>
    public string? CacheTtl { get; init; }
}
