using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Kaptain.Testing;

/// <summary>
/// Debian's <c>/usr/bin/docker-registry</c> (distribution 2.8) on a free 127.0.0.1 port, with filesystem storage in a
/// temporary folder, plain http (or https with a self-signed certificate), optionally htpasswd basic auth. Usable as
/// an xunit fixture (parameterless constructor: no auth, http) or standalone through <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// distribution documents that htpasswd auth "MUST be used under TLS", but it does not enforce it: basic auth over
/// plain http works, which is what a test on 127.0.0.1 needs.
/// </remarks>
public class ContainerRegistry : IAsyncLifetime
{
    private const string RegistryExecutable = "/usr/bin/docker-registry";
    private readonly ContainerRegistryOptions options;
    private ServerProcess? process;
    private RegistryTokenServer? tokenServer;
    private HttpClient? http;
    private int port;

    /// <summary>Creates a registry without auth over http; it starts in <see cref="InitializeAsync"/>.</summary>
    public ContainerRegistry()
        : this(new ContainerRegistryOptions())
    {
    }

    /// <summary>Creates a registry set up by <paramref name="options"/>; for fixtures that derive from this one (see <see cref="BasicAuthContainerRegistry"/>).</summary>
    protected ContainerRegistry(ContainerRegistryOptions options)
    {
        if ((options.Username is null) != (options.Password is null) || (options.UseTokenAuth && options.Username is null))
        {
            throw new ArgumentException("Give both a user name and a password, or neither (token auth needs them).", nameof(options));
        }

        this.options = options;
        Directory = System.IO.Directory.CreateTempSubdirectory("kaptain-registry-").FullName;
    }

    /// <summary>The host and port, as used in image references: <c>127.0.0.1:41234</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The base address, <c>http://127.0.0.1:41234</c> (https with <see cref="ContainerRegistryOptions.UseTls"/>).</summary>
    public Uri Endpoint => new($"{(options.UseTls ? "https" : "http")}://{Host}");

    /// <summary>The port the registry listens on.</summary>
    public int Port => port != 0 ? port : throw new InvalidOperationException("The registry is not started.");

    /// <summary>The user name basic auth requires, or null.</summary>
    public string? Username => options.Username;

    /// <summary>The password of <see cref="Username"/>, or null.</summary>
    public string? Password => options.Password;

    /// <summary>The PEM certificate that signs (is) the registry's https certificate, when it serves https.</summary>
    public string? CaCertificatePath => options.UseTls ? Path.Combine(Directory, "registry.crt") : null;

    /// <summary>The token service when the registry uses token auth, else null.</summary>
    public RegistryTokenServer? TokenServer => tokenServer;

    /// <summary>The temporary folder with the configuration and the storage; deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The registry's process id.</summary>
    public int Pid => process?.Pid ?? throw new InvalidOperationException("The registry is not started.");

    /// <summary>Starts a registry and waits until <c>/v2/</c> answers.</summary>
    public static async Task<ContainerRegistry> StartAsync(ContainerRegistryOptions? options = null, CancellationToken cancellationToken = default)
    {
        var registry = new ContainerRegistry(options ?? new ContainerRegistryOptions());
        try
        {
            await registry.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => await StartCoreAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Pushes a tiny OCI image (a config blob, one layer, a manifest) as <paramref name="repository"/>:<paramref name="tag"/>
    /// through the registry API and returns the manifest digest (<c>sha256:...</c>).
    /// </summary>
    public async Task<string> PushImageAsync(string repository, string tag, CancellationToken cancellationToken = default)
    {
        var layer = Encoding.UTF8.GetBytes($"layer of {repository}:{tag}");
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var authorization = await AuthorizationAsync(repository, cancellationToken).ConfigureAwait(false);
        var layerDigest = await PushBlobAsync(repository, layer, authorization, cancellationToken).ConfigureAwait(false);
        var configDigest = await PushBlobAsync(repository, config, authorization, cancellationToken).ConfigureAwait(false);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = config.Length },
            ["layers"] = new[] { new { mediaType = "application/vnd.oci.image.layer.v1.tar", digest = layerDigest, size = layer.Length } },
        });

        using var request = NewRequest(HttpMethod.Put, $"/v2/{repository}/manifests/{tag}", authorization);
        request.Content = new ByteArrayContent(manifest);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return Digest(manifest);
    }

    /// <summary>The digest of the manifest <paramref name="repository"/>:<paramref name="reference"/> points at, or null when there is none.</summary>
    public async Task<string?> GetDigestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var authorization = await AuthorizationAsync(repository, cancellationToken).ConfigureAwait(false);
        using var request = NewRequest(HttpMethod.Get, $"/v2/{repository}/manifests/{reference}", authorization);
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return Digest(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Writes a docker <c>config.json</c> into <paramref name="directory"/> with an <c>auths</c> entry for this registry
    /// (base64 <c>user:password</c>; an empty entry without auth) and returns the file's path.
    /// </summary>
    public string WriteDockerConfig(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var entry = Username is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")) };
        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [Host] = entry } }));
        return path;
    }

    /// <summary>Stops the registry by pid and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        http?.Dispose();
        http = null;
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            process = null;
        }

        if (tokenServer is not null)
        {
            await tokenServer.DisposeAsync().ConfigureAwait(false);
            tokenServer = null;
        }

        TemporaryDirectory.Delete(Directory);
    }

    private HttpClient Client => http ?? throw new InvalidOperationException("The registry is not started.");

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(RegistryExecutable))
        {
            throw new InvalidOperationException($"{RegistryExecutable} is missing: `apt-get install docker-registry` (see .ci/run).");
        }

        var handler = new HttpClientHandler();
        if (options.UseTls)
        {
            var certificate = WriteSelfSignedCertificate();
            handler.ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData);
        }

        http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        if (options.UseTokenAuth)
        {
            tokenServer = RegistryTokenServer.Start(options.Username!, options.Password!, Path.Combine(Directory, "token-issuer.crt"));
        }
        else if (options.Username is not null)
        {
            File.WriteAllText(
                Path.Combine(Directory, "htpasswd"),
                $"{options.Username}:{BCrypt.Net.BCrypt.HashPassword(options.Password, workFactor: 5)}\n");
        }

        // The port is free when chosen but may be taken before the registry binds it: try again on another.
        for (var attempt = 1; ; attempt++)
        {
            port = FreePort.Next();
            var configPath = WriteConfiguration();
            process = ServerProcess.Start(RegistryExecutable, ["serve", configPath], Directory);
            try
            {
                await WaitUntilAnswersAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && process.Log.Contains("address already in use", StringComparison.Ordinal))
            {
                await process.DisposeAsync().ConfigureAwait(false);
                process = null;
            }
        }
    }

    private async Task WaitUntilAnswersAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var stopwatch = Stopwatch.StartNew();

        // The registry prints nothing reliable when it is ready (log level error), so ask /v2/ until it answers.
        while (true)
        {
            if (process!.HasExited)
            {
                // Let the output be read to the end before reporting it.
                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
                throw new InvalidOperationException($"docker-registry exited before it was ready. Its output:{Environment.NewLine}{process.Log}");
            }

            try
            {
                using var response = await Client.GetAsync(new Uri(Endpoint, "/v2/"), timeout.Token).ConfigureAwait(false);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"docker-registry did not answer within {stopwatch.Elapsed}. Its output:{Environment.NewLine}{process.Log}");
            }

            await Task.Delay(50, timeout.Token).ConfigureAwait(false);
        }
    }

    private string WriteConfiguration()
    {
        var configuration = new StringBuilder($"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Directory, "data")}
              delete:
                enabled: true
            {(options.ReadOnly ? "  maintenance:\n    readonly:\n      enabled: true\n" : "")}http:
              addr: 127.0.0.1:{port}
              secret: kaptain-test-registry

            """);
        if (options.UseTls)
        {
            configuration.Append($"""
                  tls:
                    certificate: {Path.Combine(Directory, "registry.crt")}
                    key: {Path.Combine(Directory, "registry.key")}

                """);
        }

        if (tokenServer is not null)
        {
            configuration.Append($"""
                auth:
                  token:
                    realm: {tokenServer.Realm}
                    service: {tokenServer.Service}
                    issuer: {tokenServer.Issuer}
                    rootcertbundle: {Path.Combine(Directory, "token-issuer.crt")}

                """);
        }
        else if (options.Username is not null)
        {
            configuration.Append($"""
                auth:
                  htpasswd:
                    realm: kaptain-test
                    path: {Path.Combine(Directory, "htpasswd")}

                """);
        }

        var path = Path.Combine(Directory, "config.yml");
        File.WriteAllText(path, configuration.ToString());
        return path;
    }

    private X509Certificate2 WriteSelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(CaCertificatePath!, certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "registry.key"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    private async Task<string> PushBlobAsync(string repository, byte[] content, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var digest = Digest(content);
        using var start = NewRequest(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/", authorization);
        using var started = await Client.SendAsync(start, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(started, cancellationToken).ConfigureAwait(false);

        var location = new Uri(Endpoint, started.Headers.Location!);
        var separator = location.Query.Length > 0 ? '&' : '?';
        using var put = NewRequest(HttpMethod.Put, $"{location}{separator}digest={Uri.EscapeDataString(digest)}", authorization);
        put.Content = new ByteArrayContent(content);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var finished = await Client.SendAsync(put, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(finished, cancellationToken).ConfigureAwait(false);
        return digest;
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string pathOrUrl, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(method, new Uri(Endpoint, pathOrUrl));
        request.Headers.Authorization = authorization;
        return request;
    }

    /// <summary>Basic auth, or with token auth a bearer token for pushing to <paramref name="repository"/>.</summary>
    private async Task<AuthenticationHeaderValue?> AuthorizationAsync(string repository, CancellationToken cancellationToken)
    {
        if (Username is null)
        {
            return null;
        }

        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        if (tokenServer is null)
        {
            return basic;
        }

        var scope = Uri.EscapeDataString($"repository:{repository}:pull,push");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{tokenServer.Realm}?service={tokenServer.Service}&scope={scope}"));
        request.Headers.Authorization = basic;
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return new AuthenticationHeaderValue("Bearer", document.RootElement.GetProperty("token").GetString());
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        }
    }

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
