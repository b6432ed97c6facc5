using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// Pushes an image through the OCI distribution API as Kaniko's registry client does: blobs by monolithic upload
/// (POST, then PUT with the digest), then the manifest by tag. Authenticates on the registry's challenge: Basic with
/// the docker config's credentials, or the Bearer token flow.
/// </summary>
internal sealed class RegistryPusher : IDisposable
{
    /// <summary>The OCI image manifest media type.</summary>
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";

    private readonly ImageReference _target;
    private readonly DockerConfigCredentials? _credentials;
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private AuthenticationHeaderValue? _authorization;

    /// <summary>Creates a pusher for one destination.</summary>
    public RegistryPusher(ImageReference target, DockerConfigCredentials? credentials, bool plainHttp, bool skipTlsVerify)
    {
        _target = target;
        _credentials = credentials;
        var handler = new SocketsHttpHandler { AllowAutoRedirect = true };
        if (skipTlsVerify)
        {
            // --skip-tls-verify: the user asked Kaniko not to verify the registry's certificate.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        _http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(5) };

        // Kaniko's transport names itself (GoogleContainerTools/kaniko pkg/executor/push.go, withUserAgent: "kaniko/VERSION").
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("kaniko/simulated");
        var registryHost = target.Registry == "index.docker.io" ? "registry-1.docker.io" : target.Registry;
        _baseUrl = $"{(plainHttp ? "http" : "https")}://{registryHost}";
    }

    /// <summary>Checks that the destination accepts a push, as Kaniko does before building: starts a blob upload and
    /// cancels it.</summary>
    /// <exception cref="RegistryException">The registry refused (e.g. UNAUTHORIZED) or did not answer.</exception>
    public async Task CheckPushPermissionAsync(CancellationToken cancellationToken)
    {
        var location = await StartUploadAsync(cancellationToken).ConfigureAwait(false);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, location), cancellationToken).ConfigureAwait(false);
        // A registry that does not support cancelling uploads is still one we may push to.
    }

    /// <summary>Pushes the blobs and the manifest; returns the manifest digest.</summary>
    /// <exception cref="RegistryException">The registry refused (e.g. UNAUTHORIZED) or did not answer.</exception>
    public async Task<string> PushAsync(OciBlob config, IReadOnlyList<OciBlob> layers, CancellationToken cancellationToken)
    {
        foreach (var blob in layers.Append(config))
        {
            await PushBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestMediaType,
            ["config"] = Descriptor(config),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)Descriptor(l)).ToArray()),
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var digest = OciBlob.DigestOf(manifestBytes);
        var url = $"{_baseUrl}/v2/{_target.Repository}/manifests/{_target.Tag}";
        using var response = await SendAsync(
            () =>
            {
                var content = new ByteArrayContent(manifestBytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(ManifestMediaType);
                return new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
            },
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } reported && reported != digest)
        {
            throw new RegistryException($"PUT {url}: the registry reports digest {reported}, the manifest has {digest}");
        }

        return digest;
    }

    /// <summary>
    /// The creation time in the config of the image the target's tag names, or null when the tag does not exist (how
    /// Kaniko's layer cache finds a cached layer and checks its age against <c>--cache-ttl</c>).
    /// </summary>
    /// <exception cref="RegistryException">The registry refused (other than 404) or did not answer.</exception>
    public async Task<DateTimeOffset?> GetCreatedAsync(CancellationToken cancellationToken)
    {
        var url = $"{_baseUrl}/v2/{_target.Repository}/manifests/{_target.Tag}";
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ManifestMediaType));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
                return request;
            },
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var configDigest = manifest?["config"]?["digest"]?.GetValue<string>()
            ?? throw new RegistryException($"GET {url}: the manifest has no config");
        var blobUrl = $"{_baseUrl}/v2/{_target.Repository}/blobs/{configDigest}";
        using var blob = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, blobUrl), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(blob, cancellationToken).ConfigureAwait(false);
        var config = JsonNode.Parse(await blob.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return config?["created"]?.GetValue<string>() is { } created
            && DateTimeOffset.TryParse(created, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : DateTimeOffset.MinValue;
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private static JsonObject Descriptor(OciBlob blob) => new()
    {
        ["mediaType"] = blob.MediaType,
        ["digest"] = blob.Digest,
        ["size"] = blob.Content.LongLength,
    };

    private async Task PushBlobAsync(OciBlob blob, CancellationToken cancellationToken)
    {
        var blobUrl = $"{_baseUrl}/v2/{_target.Repository}/blobs/{blob.Digest}";
        using (var head = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, blobUrl), cancellationToken).ConfigureAwait(false))
        {
            if (head.IsSuccessStatusCode)
            {
                return;
            }
        }

        var location = await StartUploadAsync(cancellationToken).ConfigureAwait(false);
        var putUrl = location + (location.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Uri.EscapeDataString(blob.Digest);
        using var put = await SendAsync(
            () =>
            {
                var content = new ByteArrayContent(blob.Content);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return new HttpRequestMessage(HttpMethod.Put, putUrl) { Content = content };
            },
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(put, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> StartUploadAsync(CancellationToken cancellationToken)
    {
        var url = $"{_baseUrl}/v2/{_target.Repository}/blobs/uploads/";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, url), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var location = response.Headers.Location
            ?? throw new RegistryException($"POST {url}: the registry answered {(int)response.StatusCode} without a Location header");
        return location.IsAbsoluteUri ? location.ToString() : new Uri(new Uri(_baseUrl), location).ToString();
    }

    /// <summary>Sends a request; on 401 answers the registry's challenge once and sends it again.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(createRequest, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.Count == 0)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.First();
        var authorization = await AnswerChallengeAsync(challenge, cancellationToken).ConfigureAwait(false);
        if (authorization is null || authorization.Equals(_authorization))
        {
            return response;
        }

        response.Dispose();
        _authorization = authorization;
        return await SendOnceAsync(createRequest, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        request.Headers.Authorization = _authorization;
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"{request.Method} {request.RequestUri}: {e.Message}");
        }
    }

    private async Task<AuthenticationHeaderValue?> AnswerChallengeAsync(AuthenticationHeaderValue challenge, CancellationToken cancellationToken)
    {
        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            return _credentials is null ? null : new AuthenticationHeaderValue("Basic", _credentials.BasicParameter);
        }

        if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parameters = ParseChallengeParameters(challenge.Parameter ?? string.Empty);
        if (!parameters.TryGetValue("realm", out var realm))
        {
            return null;
        }

        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        query.Add("scope=" + Uri.EscapeDataString($"repository:{_target.Repository}:pull,push"));
        var tokenUrl = realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join("&", query);
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
        if (_credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _credentials.BasicParameter);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"GET {realm}: {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException($"GET {realm}: token request answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var token = body?["token"]?.GetValue<string>() ?? body?["access_token"]?.GetValue<string>();
            return token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private static Dictionary<string, string> ParseChallengeParameters(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            var eq = parameter.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = parameter[i..eq].Trim(' ', ',');
            i = eq + 1;
            string value;
            if (i < parameter.Length && parameter[i] == '"')
            {
                var end = parameter.IndexOf('"', i + 1);
                end = end < 0 ? parameter.Length : end;
                value = parameter[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = parameter.IndexOf(',', i);
                end = end < 0 ? parameter.Length : end;
                value = parameter[i..end];
                i = end;
            }

            result[key] = value;
            i++;
        }

        return result;
    }

    /// <summary>Throws with the registry's error code (<c>UNAUTHORIZED: authentication required</c>), as Kaniko prints it.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var request = response.RequestMessage;
        var detail = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (body?["errors"] is JsonArray { Count: > 0 } errors)
            {
                detail = string.Join("; ", errors.Select(e => $"{e?["code"]?.GetValue<string>()}: {e?["message"]?.GetValue<string>()}"));
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a distribution error body: the status line says enough.
        }

        throw new RegistryException($"{request?.Method} {request?.RequestUri}: {detail}");
    }
}
