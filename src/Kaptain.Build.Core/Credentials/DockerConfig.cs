using System.Text;
using System.Text.Json;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Credentials;

/// <summary>
/// The docker client configuration (<c>config.json</c>) as far as registry credentials go: <c>auths</c> (an
/// <c>auth</c> of base64 <c>user:password</c>, or <c>username</c> and <c>password</c>), <c>credHelpers</c> (a helper
/// per registry) and <c>credsStore</c> (one helper for all), looked up as the docker CLI does.
/// </summary>
public sealed class DockerConfig
{
    /// <summary>The key docker uses for Docker Hub.</summary>
    public const string DockerHubKey = "https://index.docker.io/v1/";

    private readonly IEnvironmentVariables environment;
    private readonly Dictionary<string, JsonElement> auths;
    private readonly Dictionary<string, string> credentialHelpers;
    private readonly string? credentialsStore;

    private DockerConfig(
        IEnvironmentVariables environment,
        string? path,
        Dictionary<string, JsonElement> auths,
        Dictionary<string, string> credentialHelpers,
        string? credentialsStore)
    {
        this.environment = environment;
        Path = path;
        this.auths = auths;
        this.credentialHelpers = credentialHelpers;
        this.credentialsStore = credentialsStore;
    }

    /// <summary>The file that was read, or null when there is none (then every registry is accessed anonymously).</summary>
    public string? Path { get; }

    /// <summary>
    /// Reads the docker config: <paramref name="explicitPath"/> (a <c>config.json</c> or a folder holding one, from the
    /// model) when given, else <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>. A missing default
    /// file is an empty config, as for docker.
    /// </summary>
    /// <exception cref="KaptainException"><c>KAPT2206</c> the explicit file is missing; <c>KAPT2205</c> the file is not valid.</exception>
    public static async Task<DockerConfig> LoadAsync(IEnvironmentVariables environment, string? explicitPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? path;
        if (!string.IsNullOrEmpty(explicitPath))
        {
            path = Directory.Exists(explicitPath) ? System.IO.Path.Combine(explicitPath, "config.json") : explicitPath;
            if (!File.Exists(path))
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT2206", explicitPath, explicitPath, path));
            }
        }
        else if (environment.Get("DOCKER_CONFIG") is { } folder)
        {
            path = System.IO.Path.Combine(folder, "config.json");
        }
        else
        {
            path = EnvironmentPaths.Home(environment) is { } home ? System.IO.Path.Combine(home, ".docker", "config.json") : null;
        }

        if (path is null || !File.Exists(path))
        {
            return new DockerConfig(environment, null, [], [], null);
        }

        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "the top level is not a JSON object");
            }

            var auths = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            if (root.TryGetProperty("auths", out var authsElement) && authsElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in authsElement.EnumerateObject())
                {
                    auths[property.Name] = property.Value.Clone();
                }
            }

            var helpers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (root.TryGetProperty("credHelpers", out var helpersElement) && helpersElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in helpersElement.EnumerateObject())
                {
                    if (property.Value.GetString() is { Length: > 0 } helper)
                    {
                        helpers[property.Name] = helper;
                    }
                }
            }

            var store = root.TryGetProperty("credsStore", out var storeElement) && storeElement.ValueKind == JsonValueKind.String
                ? storeElement.GetString()
                : null;
            return new DockerConfig(environment, path, auths, helpers, string.IsNullOrEmpty(store) ? null : store);
        }
        catch (JsonException exception)
        {
            // JsonException messages may quote a character of the file; give only the position.
            throw Invalid(path, $"it is not valid JSON (line {exception.LineNumber + 1})");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, exception.GetType().Name);
        }
    }

    /// <summary>How long a credential helper (<c>docker-credential-*</c>) may take to answer before it is killed and the
    /// lookup fails with KAPT3011; 30 seconds.</summary>
    internal TimeSpan CredentialHelperTimeout { get; set; } = DockerCredentialHelper.DefaultTimeout;

    /// <summary>
    /// The credentials for <paramref name="registry"/> (a host with an optional port, for example <c>ghcr.io</c> or
    /// <c>127.0.0.1:5000</c>; <c>docker.io</c> for Docker Hub), or null when the config has none (anonymous access).
    /// </summary>
    /// <exception cref="KaptainException"><c>KAPT2207</c> a malformed <c>auth</c>; <c>KAPT2208</c> a credential helper failed.</exception>
    public async Task<RegistryCredentials?> GetCredentialsAsync(string registry, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        var host = NormalizeHost(registry);
        var server = IsDockerHub(host) ? DockerHubKey : host;

        if (FindKey(credentialHelpers.Keys, host) is { } helperKey)
        {
            return await DockerCredentialHelper.GetAsync(environment, credentialHelpers[helperKey], helperKey, CredentialHelperTimeout, cancellationToken).ConfigureAwait(false);
        }

        if (credentialsStore is not null)
        {
            var stored = await DockerCredentialHelper.GetAsync(environment, credentialsStore, server, CredentialHelperTimeout, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                return stored;
            }
        }

        return FindKey(auths.Keys, host) is { } authKey ? FromAuthEntry(authKey, auths[authKey]) : null;
    }

    /// <summary>The registry host as docker config keys compare: no scheme, no path, lower case.</summary>
    internal static string NormalizeHost(string registryOrKey)
    {
        var host = registryOrKey.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        host = host.ToLowerInvariant();
        return IsDockerHub(host) ? "docker.io" : host;
    }

    private static bool IsDockerHub(string host) =>
        host is "docker.io" or "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com";

    private static string? FindKey(IEnumerable<string> keys, string host) =>
        keys.FirstOrDefault(key => string.Equals(NormalizeHost(key), host, StringComparison.Ordinal));

    private RegistryCredentials? FromAuthEntry(string key, JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var source = $"auths of {Path}";
        if (entry.TryGetProperty("auth", out var authElement) && authElement.GetString() is { Length: > 0 } auth)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT2207", key, Path, key));
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT2207", key, Path, key));
            }

            return new RegistryCredentials(decoded[..colon], new SecretValue(decoded[(colon + 1)..]), source);
        }

        if (entry.TryGetProperty("username", out var user) && user.GetString() is { Length: > 0 } username
            && entry.TryGetProperty("password", out var pass) && pass.GetString() is { Length: > 0 } password)
        {
            return new RegistryCredentials(username, new SecretValue(password), source);
        }

        // An empty entry (what `docker login` leaves when a credsStore holds the secret) means nothing here.
        return null;
    }

    private static KaptainException Invalid(string path, string reason) =>
        new(KaptainDiagnostic.Error("KAPT2205", path, path, reason));
}
