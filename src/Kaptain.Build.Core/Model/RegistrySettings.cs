namespace Kaptain.Build.Model;

/// <summary>The container registry the model image is pushed to.</summary>
/// <param name="Host">The registry host (<c>host[:port]</c>) the image reference names.</param>
/// <param name="Insecure">Whether the registry is plain HTTP (<c>KaptainRegistryInsecure</c>).</param>
/// <param name="DockerConfigFile">The docker config file with the credentials, when set explicitly (<c>KaptainDockerConfig</c>).</param>
/// <param name="CaFile">The full path of the registry CA certificate file (<c>KaptainRegistryCaFile</c>), when given.</param>
public sealed record RegistrySettings(string Host, bool Insecure, string? DockerConfigFile, string? CaFile);
