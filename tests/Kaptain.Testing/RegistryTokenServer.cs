using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Kaptain.Testing;

/// <summary>
/// A docker token service (the <c>auth.token</c> realm of distribution) on a free 127.0.0.1 port: it checks basic auth
/// against one user and issues RS256 JWTs whose <c>x5c</c> header carries its self-signed certificate, which the
/// registry trusts through <c>rootcertbundle</c>. Anonymous requests get a token without access, as public token
/// services do for private repositories.
/// </summary>
public sealed class RegistryTokenServer : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly RSA key = RSA.Create(2048);
    private readonly X509Certificate2 certificate;
    private readonly string username;
    private readonly string password;
    private readonly Task serving;
    private int issued;

    private RegistryTokenServer(string username, string password, string certificatePath)
    {
        this.username = username;
        this.password = password;
        var request = new CertificateRequest("CN=kaptain-test-token-issuer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());

        // HttpListener cannot bind port 0; try free ports until one binds.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            listener.Prefixes.Clear();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                Realm = new Uri($"http://127.0.0.1:{port}/token");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        serving = Task.Run(ServeAsync);
    }

    /// <summary>The token endpoint (the registry's <c>realm</c>).</summary>
    public Uri Realm { get; private set; } = null!;

    /// <summary>The <c>service</c> (audience) the tokens are for.</summary>
    public string Service => "kaptain-test-registry";

    /// <summary>The <c>issuer</c> of the tokens.</summary>
    public string Issuer => "kaptain-test-issuer";

    /// <summary>How many tokens with access were issued (a test can see the bearer flow ran).</summary>
    public int IssuedTokens => Volatile.Read(ref issued);

    internal static RegistryTokenServer Start(string username, string password, string certificatePath) =>
        new(username, password, certificatePath);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        listener.Close();
        try
        {
            await serving.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
        {
        }

        certificate.Dispose();
        key.Dispose();
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            var authorization = context.Request.Headers["Authorization"];
            var user = ParseBasic(authorization);
            if (authorization is not null && user is null)
            {
                response.StatusCode = 401;
                continue;
            }

            var access = new List<object>();
            if (user is not null && context.Request.QueryString["scope"] is { } scope)
            {
                // scope: repository:<name>:<actions>; the name may itself hold ':' (host:port), the actions come last.
                var last = scope.LastIndexOf(':');
                var first = scope.IndexOf(':', StringComparison.Ordinal);
                if (first > 0 && last > first)
                {
                    access.Add(new { type = scope[..first], name = scope[(first + 1)..last], actions = scope[(last + 1)..].Split(',') });
                    Interlocked.Increment(ref issued);
                }
            }

            var token = CreateToken(user ?? string.Empty, access);
            var body = JsonSerializer.SerializeToUtf8Bytes(new { token, access_token = token, expires_in = 300, issued_at = DateTimeOffset.UtcNow.ToString("O") });
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
    }

    private string? ParseBasic(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        return decoded == $"{username}:{password}" ? username : null;
    }

    private string CreateToken(string subject, List<object> access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new { typ = "JWT", alg = "RS256", x5c = new[] { Convert.ToBase64String(certificate.RawData) } };
        var claims = new { iss = Issuer, sub = subject, aud = Service, exp = now + 300, nbf = now - 10, iat = now, jti = Guid.NewGuid().ToString("N"), access };
        var signed = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signed}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
