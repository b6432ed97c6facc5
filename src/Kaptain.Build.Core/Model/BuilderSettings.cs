namespace Kaptain.Build.Model;

/// <summary>How the model image is built with Kaniko.</summary>
/// <param name="Image">The Kaniko executor image (<c>KaptainBuilderImage</c>).</param>
/// <param name="Resources">The builder's requests and limits.</param>
/// <param name="Timeout">How long to wait for the build (<c>KaptainBuildTimeout</c>).</param>
public sealed record BuilderSettings(string Image, ComputeResources Resources, TimeSpan Timeout);
