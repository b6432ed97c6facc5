namespace Kaptain.Build.Manifests;

/// <summary>
/// The credential values the lifecycle puts into the Secrets it creates. Rendering without them (<c>KaptainRender</c>)
/// writes <see cref="Redacted"/> placeholders instead. Never log or render an instance.
/// </summary>
public sealed class SecretValues
{
    /// <summary>The placeholder for a value that is not rendered.</summary>
    public const string Redacted = "REDACTED";

    /// <summary>The docker config JSON with the registry credentials (the <c>.dockerconfigjson</c> key).</summary>
    public string? DockerConfigJson { get; init; }

    /// <summary>The S3 access key id.</summary>
    public string? S3AccessKeyId { get; init; }

    /// <summary>The S3 secret access key.</summary>
    public string? S3SecretAccessKey { get; init; }

    /// <summary>The S3 session token of temporary credentials (STS, SSO), or null.</summary>
    public string? S3SessionToken { get; init; }

    /// <summary>The PEM text of the registry CA certificate, when a CA file is given.</summary>
    public string? RegistryCaCertificate { get; init; }

    /// <inheritdoc />
    public override string ToString() => nameof(SecretValues) + " { values hidden }";
}
