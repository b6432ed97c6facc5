using System.Text;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>The user name and password a mounted docker config (<c>config.json</c>, <c>auths</c>) holds for a
/// registry. <see cref="ToString"/> never shows the password.</summary>
internal sealed class DockerConfigCredentials
{
    private DockerConfigCredentials(string userName, string password)
    {
        UserName = userName;
        Password = password;
    }

    /// <summary>The user name.</summary>
    public string UserName { get; }

    /// <summary>The password or token.</summary>
    public string Password { get; }

    /// <summary>The Basic authorization parameter (base64 of <c>user:password</c>).</summary>
    public string BasicParameter => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}"));

    /// <summary>Finds the credentials for <paramref name="registry"/> (<c>host[:port]</c>) in a docker config; keys may
    /// carry a scheme and path (<c>https://index.docker.io/v1/</c>). Null when the config has none or is not JSON.</summary>
    public static DockerConfigCredentials? Find(string? dockerConfigJson, string registry)
    {
        if (string.IsNullOrWhiteSpace(dockerConfigJson))
        {
            return null;
        }

        JsonNode? config;
        try
        {
            config = JsonNode.Parse(dockerConfigJson);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        if (config?["auths"] is not JsonObject auths)
        {
            return null;
        }

        foreach (var (key, entry) in auths)
        {
            if (!string.Equals(HostOf(key), HostOf(registry), StringComparison.OrdinalIgnoreCase) || entry is null)
            {
                continue;
            }

            if (Text(entry["username"]) is { } user && Text(entry["password"]) is { } password)
            {
                return new DockerConfigCredentials(user, password);
            }

            if (Text(entry["auth"]) is { } auth)
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                }
                catch (FormatException)
                {
                    return null;
                }

                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : new DockerConfigCredentials(decoded[..colon], decoded[(colon + 1)..]);
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{UserName}:***";

    private static string HostOf(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        host = slash >= 0 ? host[..slash] : host;
        return host is "docker.io" or "registry-1.docker.io" ? "index.docker.io" : host;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
