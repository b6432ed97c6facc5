using System.Text;
using System.Text.Json;

namespace Kaptain.Build.Credentials;

/// <summary>A user name and password (or token) for a container registry.</summary>
/// <param name="Username">The user name; <c>&lt;token&gt;</c> when <paramref name="Password"/> is an identity token.</param>
/// <param name="Password">The password or token.</param>
/// <param name="Source">Where they came from, for messages: for example <c>auths of /home/me/.docker/config.json</c>.</param>
public sealed record RegistryCredentials(string Username, SecretValue Password, string Source)
{
    /// <summary>
    /// The content of a docker <c>config.json</c> with an <c>auths</c> entry for <paramref name="registry"/> (for the
    /// <c>kubernetes.io/dockerconfigjson</c> Secret that Kaniko mounts). It holds the password, hence a secret.
    /// </summary>
    public SecretValue ToDockerConfigJson(string registry)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password.Reveal()}"));
        KnownSecrets.Add(auth); // a secret of its own: text that quotes the config's auth alone is scrubbed of it too
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["auths"] = new Dictionary<string, object>
            {
                [registry] = new Dictionary<string, string> { ["username"] = Username, ["password"] = Password.Reveal(), ["auth"] = auth },
            },
        });
        return new SecretValue(json);
    }

    /// <inheritdoc />
    public override string ToString() => $"registry credentials for '{Username}' from {Source}";
}
