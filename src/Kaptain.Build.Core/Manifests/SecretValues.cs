using System.Text.Json;
using System.Text.Json.Nodes;

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

    /// <summary>
    /// <paramref name="text"/> with every credential value here replaced by <see cref="Redacted"/>: the S3 secret key
    /// and session token, and the docker config's <c>auth</c>, <c>password</c>, <c>identitytoken</c> and
    /// <c>registrytoken</c> values. For text from the cluster that a diagnostic quotes (a builder's termination
    /// message), whatever printed it.
    /// </summary>
    internal string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var value in Values().Where(v => v.Length >= 4).OrderByDescending(v => v.Length))
        {
            text = text.Replace(value, Redacted, StringComparison.Ordinal);
        }

        return text;
    }

    private IEnumerable<string> Values()
    {
        foreach (var value in new[] { S3SecretAccessKey, S3SessionToken })
        {
            if (value is not null)
            {
                yield return value;
            }
        }

        JsonNode? config = null;
        try
        {
            config = DockerConfigJson is null ? null : JsonNode.Parse(DockerConfigJson);
        }
        catch (JsonException)
        {
            // Not JSON: nothing to look for (the Secret's creation would have failed).
        }

        foreach (var entry in (config?["auths"] as JsonObject)?.Select(a => a.Value).OfType<JsonObject>() ?? [])
        {
            foreach (var key in new[] { "auth", "password", "identitytoken", "registrytoken" })
            {
                if (entry[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
                {
                    yield return text;
                }
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => nameof(SecretValues) + " { values hidden }";
}
