using Kaptain.Build.Credentials;
using Kaptain.Build.Model;

namespace Kaptain.Build.Registry;

/// <summary>How <see cref="RegistryClient"/> reaches registries.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Speak plain http instead of https (<c>KaptainRegistryInsecure</c>).</summary>
    public bool Insecure { get; init; }

    /// <summary>A PEM file of CA certificates that registry certificates may chain to (<c>KaptainRegistryCaFile</c>).</summary>
    public string? CaFile { get; init; }

    /// <summary>
    /// Gives the credentials for a registry host, or null for anonymous access. Asked only when a registry challenges,
    /// so a credential helper does not run for a registry that needs none.
    /// </summary>
    public Func<string, CancellationToken, Task<RegistryCredentials?>>? Credentials { get; init; }

    /// <summary>Where the credentials are looked up, for the message when there are none (for example the docker config path).</summary>
    public string CredentialsLocation { get; init; } = "the docker config";

    /// <summary>How long one request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The options for the model's registry settings, with credentials from <paramref name="dockerConfig"/>.</summary>
    public static RegistryClientOptions From(RegistrySettings settings, DockerConfig dockerConfig)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(dockerConfig);
        return new RegistryClientOptions
        {
            Insecure = settings.Insecure,
            CaFile = settings.CaFile,
            Credentials = dockerConfig.GetCredentialsAsync,
            CredentialsLocation = dockerConfig.Path ?? "the docker config (none was found: DOCKER_CONFIG, ~/.docker/config.json)",
        };
    }
}
