namespace Kaptain.Testing;

/// <summary>How a <see cref="ContainerRegistry"/> is set up.</summary>
public sealed record ContainerRegistryOptions
{
    /// <summary>With a user name (and <see cref="Password"/>), the registry requires htpasswd basic auth.</summary>
    public string? Username { get; init; }

    /// <summary>The password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>Serve https with a self-signed certificate for 127.0.0.1 (its PEM is <see cref="ContainerRegistry.CaCertificatePath"/>).</summary>
    public bool UseTls { get; init; }

    /// <summary>
    /// Use token auth (the bearer flow) instead of basic auth: a <see cref="RegistryTokenServer"/> checks
    /// <see cref="Username"/> and <see cref="Password"/> and issues the tokens.
    /// </summary>
    public bool UseTokenAuth { get; init; }

    /// <summary>A registry with token auth for <c>kaptain</c> / <c>kaptain-registry-password</c>.</summary>
    public static ContainerRegistryOptions WithTokenAuth { get; } =
        new() { Username = "kaptain", Password = "kaptain-registry-password", UseTokenAuth = true };

    /// <summary>Serve reads only: the registry's maintenance read-only mode answers every write (a push) with an error,
    /// while pulls and manifest checks work.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>A registry with basic auth for <c>kaptain</c> / <c>kaptain-registry-password</c>.</summary>
    public static ContainerRegistryOptions WithBasicAuth { get; } =
        new() { Username = "kaptain", Password = "kaptain-registry-password" };
}
