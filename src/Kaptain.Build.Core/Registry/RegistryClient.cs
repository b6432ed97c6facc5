using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;

namespace Kaptain.Build.Registry;

/// <summary>
/// Asks a container registry (the OCI distribution API) whether an image exists, and for its digest: a HEAD of the
/// manifest with the OCI and docker media types, answering basic-auth and bearer-token challenges with the
/// credentials of the docker config. Failures are <see cref="KaptainException"/>s with <c>KAPT31xx</c> codes.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private const string DockerHubApiHost = "registry-1.docker.io";

    private static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly RegistryClientOptions options;
    private readonly HttpClient http;

    /// <summary>Creates the client.</summary>
    /// <exception cref="KaptainException"><c>KAPT2211</c> when <see cref="RegistryClientOptions.CaFile"/> cannot be read as PEM certificates.</exception>
    public RegistryClient(RegistryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (options.CaFile is { } caFile)
        {
            var authorities = LoadCertificates(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && ChainsTo(certificate, authorities));
        }

        http = new HttpClient(handler) { Timeout = options.RequestTimeout };
    }

    /// <summary>
    /// The digest (<c>sha256:...</c>) of <paramref name="image"/>'s manifest, or null when the registry does not have
    /// the image (or the repository).
    /// </summary>
    /// <exception cref="KaptainException">
    /// <c>KAPT3101</c> unreachable, <c>KAPT3102</c> unauthorized, <c>KAPT3103</c> denied, <c>KAPT3104</c> untrusted TLS
    /// certificate, <c>KAPT3105</c> an unexpected answer, <c>KAPT3106</c> the token service failed.
    /// </exception>
    public async Task<string?> GetDigestAsync(ImageReference image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (registry, apiHost, repository) = Locate(image);
        var reference = image.Digest ?? image.Tag ?? "latest";
        var url = new Uri($"{(options.Insecure ? "http" : "https")}://{apiHost}/v2/{repository}/manifests/{reference}");

        var (response, authorization, credentials) = await SendAuthorizedAsync(HttpMethod.Head, url, registry, repository, null, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            return await DigestOrNullAsync(response, url, registry, repository, credentials, cancellationToken, authorization).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The labels of <paramref name="image"/>'s config (<c>config.Labels</c>, what a Dockerfile's <c>LABEL</c> sets), or
    /// null when the registry does not have the image. For an image index, the <c>linux/amd64</c> image's (else the
    /// first one's). An image without labels has an empty dictionary.
    /// </summary>
    /// <exception cref="KaptainException">The same codes as <see cref="GetDigestAsync"/>.</exception>
    public async Task<IReadOnlyDictionary<string, string>?> GetLabelsAsync(ImageReference image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (registry, apiHost, repository) = Locate(image);
        var baseUrl = $"{(options.Insecure ? "http" : "https")}://{apiHost}/v2/{repository}";
        AuthenticationHeaderValue? authorization = null;
        var reference = image.Digest ?? image.Tag ?? "latest";
        JsonElement manifest;
        for (var depth = 0; ; depth++)
        {
            using var document = await GetJsonAsync(new Uri($"{baseUrl}/manifests/{reference}"), depth == 0).ConfigureAwait(false);
            if (document is null)
            {
                return null;
            }

            var root = document.RootElement.Clone();
            if (depth > 0 || !root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
            {
                manifest = root;
                break;
            }

            var entries = manifests.EnumerateArray().ToList();
            var chosen = entries.FirstOrDefault(IsLinuxAmd64);
            chosen = chosen.ValueKind == JsonValueKind.Undefined ? entries.FirstOrDefault() : chosen;
            if (chosen.ValueKind == JsonValueKind.Undefined || !chosen.TryGetProperty("digest", out var digest))
            {
                return new Dictionary<string, string>();
            }

            reference = digest.GetString();
        }

        if (!manifest.TryGetProperty("config", out var config) || !config.TryGetProperty("digest", out var configDigest))
        {
            return new Dictionary<string, string>();
        }

        using var blob = await GetJsonAsync(new Uri($"{baseUrl}/blobs/{configDigest.GetString()}"), false).ConfigureAwait(false)
            ?? throw Unexpected(registry, HttpStatusCode.NotFound, $"GET /v2/{repository}/blobs/{configDigest.GetString()}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (blob.RootElement.TryGetProperty("config", out var runConfig) && runConfig.ValueKind == JsonValueKind.Object
            && runConfig.TryGetProperty("Labels", out var found) && found.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in found.EnumerateObject())
            {
                labels[label.Name] = label.Value.ValueKind == JsonValueKind.String ? label.Value.GetString()! : label.Value.GetRawText();
            }
        }

        return labels;

        async Task<JsonDocument?> GetJsonAsync(Uri url, bool first)
        {
            var (response, usedAuthorization, credentials) = await SendAuthorizedAsync(HttpMethod.Get, url, registry, repository, first ? null : authorization, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                authorization = usedAuthorization;
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        try
                        {
                            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
                        }
                        catch (JsonException)
                        {
                            throw Unexpected(registry, response.StatusCode, $"GET {url.AbsolutePath} (not JSON)");
                        }

                    case HttpStatusCode.NotFound:
                        return null;
                    case HttpStatusCode.Forbidden:
                        throw new KaptainException(KaptainDiagnostic.Error(
                            "KAPT3103", registry, registry, repository, credentials?.Source ?? "no credentials (anonymous)"));
                    default:
                        throw Unexpected(registry, response.StatusCode, $"GET {url.AbsolutePath}");
                }
            }
        }

        static bool IsLinuxAmd64(JsonElement entry) =>
            entry.TryGetProperty("platform", out var platform)
            && platform.TryGetProperty("os", out var os) && os.GetString() == "linux"
            && platform.TryGetProperty("architecture", out var architecture) && architecture.GetString() == "amd64";
    }

    /// <summary>
    /// Sends a request, with <paramref name="authorization"/> when one is known; on a 401 answers the challenge (basic
    /// with the docker config's credentials, or the bearer token flow) and sends it once more.
    /// </summary>
    private async Task<(HttpResponseMessage Response, AuthenticationHeaderValue? Authorization, RegistryCredentials? Credentials)> SendAuthorizedAsync(
        HttpMethod method, Uri url, string registry, string repository, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var first = await SendAsync(method, url, authorization, registry, cancellationToken).ConfigureAwait(false);
        if (first.StatusCode != HttpStatusCode.Unauthorized)
        {
            return (first, authorization, null);
        }

        RegistryChallenge? challenge;
        using (first)
        {
            challenge = RegistryChallenge.From(first.Headers);
        }

        var credentials = options.Credentials is null ? null : await options.Credentials(registry, cancellationToken).ConfigureAwait(false);
        if (challenge?.IsBearer == true)
        {
            var token = await GetTokenAsync(challenge, registry, repository, credentials, cancellationToken).ConfigureAwait(false);
            authorization = new AuthenticationHeaderValue("Bearer", token.Reveal());
        }
        else if (credentials is not null)
        {
            authorization = Basic(credentials);
        }
        else
        {
            throw Unauthorized(registry, repository, credentials: null);
        }

        var second = await SendAsync(method, url, authorization, registry, cancellationToken).ConfigureAwait(false);
        if (second.StatusCode == HttpStatusCode.Unauthorized)
        {
            second.Dispose();
            throw Unauthorized(registry, repository, credentials);
        }

        return (second, authorization, credentials);
    }

    /// <summary>Whether the registry has <paramref name="image"/>.</summary>
    public async Task<bool> ExistsAsync(ImageReference image, CancellationToken cancellationToken) =>
        await GetDigestAsync(image, cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    /// <summary>The registry host for credentials, the host the API is served on, and the repository path.</summary>
    internal static (string Registry, string ApiHost, string Repository) Locate(ImageReference image)
    {
        var domain = image.Domain?.ToLowerInvariant();
        if (domain is null or "docker.io" or "index.docker.io" or "registry-1.docker.io")
        {
            var path = image.Path.Contains('/', StringComparison.Ordinal) ? image.Path : "library/" + image.Path;
            return ("docker.io", DockerHubApiHost, path);
        }

        return (domain, domain, image.Path);
    }

    private async Task<string?> DigestOrNullAsync(
        HttpResponseMessage response,
        Uri url,
        string registry,
        string repository,
        RegistryCredentials? credentials,
        CancellationToken cancellationToken,
        AuthenticationHeaderValue? authorization = null)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                if (response.Headers.TryGetValues("Docker-Content-Digest", out var digests) && digests.FirstOrDefault() is { Length: > 0 } digest)
                {
                    return digest;
                }

                // Some registries leave the digest out of HEAD answers: it is the hash of the manifest itself.
                using (var get = await SendAsync(HttpMethod.Get, url, authorization, registry, cancellationToken).ConfigureAwait(false))
                {
                    if (get.StatusCode != HttpStatusCode.OK)
                    {
                        throw Unexpected(registry, get.StatusCode, $"GET {url.AbsolutePath}");
                    }

                    var manifest = await get.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                    return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest));
                }

            case HttpStatusCode.NotFound:
                return null;
            case HttpStatusCode.Forbidden:
                throw new KaptainException(KaptainDiagnostic.Error(
                    "KAPT3103", registry, registry, repository, credentials?.Source ?? "no credentials (anonymous)"));
            default:
                throw Unexpected(registry, response.StatusCode, $"HEAD {url.AbsolutePath}");
        }
    }

    private async Task<SecretValue> GetTokenAsync(
        RegistryChallenge challenge, string registry, string repository, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        if (challenge.Get("realm") is not { } realm || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUrl))
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3106", registry, "(none)", registry, "the challenge names no token realm"));
        }

        var query = new StringBuilder();
        if (challenge.Get("service") is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service));
        }

        query.Append(query.Length > 0 ? "&" : string.Empty).Append("scope=")
            .Append(Uri.EscapeDataString(challenge.Get("scope") ?? $"repository:{repository}:pull"));
        var tokenUrl = new UriBuilder(realmUrl) { Query = query.ToString() }.Uri;
        var realmName = realmUrl.GetLeftPart(UriPartial.Path);

        // The registry's credentials go only to a token service of that registry, over TLS unless it is marked
        // insecure: a challenge is an unauthenticated answer (or, over plain HTTP, anybody's), so it must not be able to
        // send the password elsewhere. Without them the token service may still give an anonymous token.
        var withheld = credentials is not null && !MaySendCredentials(realmUrl, registry, options.Insecure);
        var sent = withheld ? null : credentials;
        using var response = await SendAsync(HttpMethod.Get, tokenUrl, sent is null ? null : Basic(sent), registry, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw withheld
                ? new KaptainException(KaptainDiagnostic.Error("KAPT3010", registry, registry, realmName, credentials!.Source))
                : Unauthorized(registry, repository, credentials);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3106", registry, realmName, registry, $"{(int)response.StatusCode} {response.StatusCode}"));
        }

        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            var root = document.RootElement;
            var token = root.TryGetProperty("token", out var t) ? t.GetString() : null;
            token ??= root.TryGetProperty("access_token", out var a) ? a.GetString() : null;
            return !string.IsNullOrEmpty(token)
                ? new SecretValue(token)
                : throw new KaptainException(KaptainDiagnostic.Error("KAPT3106", registry, realmName, registry, "the answer has no token"));
        }
        catch (JsonException)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3106", registry, realmName, registry, "the answer is not JSON"));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, Uri url, AuthenticationHeaderValue? authorization, string registry, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        foreach (var mediaType in ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        request.Headers.Authorization = authorization;
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception) when (FindInner<AuthenticationException>(exception) is not null)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3104", registry, registry, "the certificate does not chain to a trusted CA"), exception);
        }
        catch (HttpRequestException exception)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3101", registry, url.Authority, Describe(exception)), exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3101", registry, url.Authority, $"no answer within {options.RequestTimeout.TotalSeconds:0} s"), exception);
        }
    }

    private KaptainException Unauthorized(string registry, string repository, RegistryCredentials? credentials)
    {
        var hint = credentials is null
            ? $"no credentials for it were found in {options.CredentialsLocation}. Run 'docker login {registry}'."
            : $"the credentials from {credentials.Source} were rejected. Run 'docker login {registry}' again.";
        return new KaptainException(KaptainDiagnostic.Error("KAPT3102", registry, registry, repository, hint));
    }

    private static KaptainException Unexpected(string registry, HttpStatusCode status, string request) =>
        new(KaptainDiagnostic.Error("KAPT3105", registry, registry, $"{(int)status} {status}", request));

    /// <summary>
    /// Whether a registry's credentials may be sent to the token realm it named: over https (or plain http when the
    /// registry is marked insecure), and to the registry's own host, a host just below it (<c>docker.io</c> and
    /// <c>auth.docker.io</c>), a parent domain of it (<c>registry.gitlab.com</c> names <c>gitlab.com/jwt/auth</c>) or a
    /// sibling under the registry's parent domain (<c>registry-1.docker.io</c> names <c>auth.docker.io</c>). The port does not count: a registry's token service often listens on another one.
    /// </summary>
    internal static bool MaySendCredentials(Uri realm, string apiHost, bool insecure)
    {
        ArgumentNullException.ThrowIfNull(realm);
        if (realm.Scheme != Uri.UriSchemeHttps && !(insecure && realm.Scheme == Uri.UriSchemeHttp))
        {
            return false;
        }

        var registryHost = HostOf(apiHost);
        var realmHost = realm.IdnHost.ToLowerInvariant();
        if (realmHost == registryHost || Parent(realmHost) == registryHost)
        {
            return true;
        }

        if (IPAddress.TryParse(registryHost.Trim('[', ']'), out _) || Parent(registryHost) is not { } parent)
        {
            return false;
        }

        return realmHost == parent || Parent(realmHost) == parent;
    }

    // host[:port] or [v6]:port, lower case, without the port.
    private static string HostOf(string hostAndPort) =>
        Uri.TryCreate("https://" + hostAndPort, UriKind.Absolute, out var uri) ? uri.IdnHost.ToLowerInvariant() : hostAndPort.ToLowerInvariant();

    // The domain above a host, when that still has two labels or more (a.b.example.com -> b.example.com; example.com -> null).
    private static string? Parent(string host)
    {
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && host.IndexOf('.', dot + 1) > 0 ? host[(dot + 1)..] : null;
    }

    private static AuthenticationHeaderValue Basic(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password.Reveal()}")));

    private static X509Certificate2Collection LoadCertificates(string caFile)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(caFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2211", "KaptainRegistryCaFile", caFile, exception.GetType().Name), exception);
        }

        return certificates.Count > 0
            ? certificates
            : throw new KaptainException(KaptainDiagnostic.Error("KAPT2211", "KaptainRegistryCaFile", caFile, "it holds no PEM certificate"));
    }

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static T? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Describe(HttpRequestException exception) =>
        FindInner<SocketException>(exception)?.SocketErrorCode.ToString()
        ?? (exception.HttpRequestError != HttpRequestError.Unknown ? exception.HttpRequestError.ToString() : "no connection");
}
