using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Kaptain.Testing;

/// <summary>
/// An <c>s3rver</c> 3.7.1 object store on a free 127.0.0.1 port with a temporary data folder, started through
/// <c>tests/servers/s3rver-start.js</c> (install it with <c>npm ci --prefix tests/servers</c>). Usable as an xunit
/// assembly, collection or class fixture (parameterless constructor) or standalone through <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// s3rver does not verify SigV4 signatures, so a wrong secret key is never rejected. What it can reject is an unknown
/// access key (<c>InvalidAccessKeyId</c>, 403): pass <c>acceptedAccessKeys</c> to get a server that accepts only those.
/// By default every access key works. Bucket listings through Minio 7.0.0 come back empty against s3rver (XML
/// namespace), so the helpers here check objects with HEAD, never by listing.
/// </remarks>
public partial class S3Server : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string[] acceptedAccessKeys;
    private ServerProcess? process;
    private Uri? endpoint;

    /// <summary>Creates a server that accepts any access key; it starts in <see cref="InitializeAsync"/>.</summary>
    public S3Server()
        : this([])
    {
    }

    /// <summary>Creates a server that accepts only <paramref name="acceptedAccessKeys"/> (none given: any key); for fixtures that derive from this one.</summary>
    protected S3Server(IEnumerable<string> acceptedAccessKeys)
    {
        this.acceptedAccessKeys = [.. acceptedAccessKeys];
        DataDirectory = Directory.CreateTempSubdirectory("kaptain-s3rver-").FullName;
    }

    /// <summary>The endpoint, for example <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Endpoint => endpoint ?? throw new InvalidOperationException("The S3 server is not started.");

    /// <summary>An access key the server accepts: the first accepted key, or <c>kaptain-test</c> when any key works.</summary>
    public string AccessKey => acceptedAccessKeys.FirstOrDefault() ?? "kaptain-test";

    /// <summary>A secret key to go with <see cref="AccessKey"/> (s3rver does not check it).</summary>
    public string SecretKey => "kaptain-test-secret";

    /// <summary>The local cluster's scenario-file line (<c>s3-credentials ACCESS-KEY SECRET-KEY</c>, with a newline) that
    /// makes its simulated training check uploads against <see cref="AccessKey"/> and <see cref="SecretKey"/>.</summary>
    public string ScenarioCredentialsLine() => $"s3-credentials {AccessKey} {SecretKey}\n";

    /// <summary>The temporary folder s3rver stores buckets in; deleted on dispose.</summary>
    public string DataDirectory { get; }

    /// <summary>The server's process id.</summary>
    public int Pid => process?.Pid ?? throw new InvalidOperationException("The S3 server is not started.");

    /// <summary>Starts a server and waits until it answers.</summary>
    public static async Task<S3Server> StartAsync(IEnumerable<string>? acceptedAccessKeys = null, CancellationToken cancellationToken = default)
    {
        var server = new S3Server(acceptedAccessKeys ?? []);
        try
        {
            await server.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => await StartCoreAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);

    /// <summary>Creates <paramref name="bucket"/> (anonymous PUT; s3rver lets unsigned requests through).</summary>
    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PutAsync(Url(bucket), content: null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Whether <paramref name="bucket"/> exists (HEAD).</summary>
    public async Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken = default) =>
        await HeadAsync(Url(bucket), cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>The size of an object, or null when it does not exist (HEAD, never a listing).</summary>
    public async Task<long?> StatObjectAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        using var response = await HeadAsync(Url(bucket, key), cancellationToken).ConfigureAwait(false);
        return response is null ? null : response.Content.Headers.ContentLength ?? 0;
    }

    /// <summary>Whether an object exists (HEAD, never a listing).</summary>
    public async Task<bool> ObjectExistsAsync(string bucket, string key, CancellationToken cancellationToken = default) =>
        await StatObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Reads an object's content.</summary>
    public async Task<byte[]> GetObjectAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(Url(bucket, key), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes an object (anonymous PUT).</summary>
    public async Task PutObjectAsync(string bucket, string key, byte[] content, CancellationToken cancellationToken = default)
    {
        using var body = new ByteArrayContent(content);
        using var response = await Http.PutAsync(Url(bucket, key), body, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Deletes an object (anonymous DELETE).</summary>
    public async Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        using var response = await Http.DeleteAsync(Url(bucket, key), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Stops the server by pid and deletes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            process = null;
        }

        TemporaryDirectory.Delete(DataDirectory);
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var script = Path.Combine(RepositoryPaths.ServersDirectory, "s3rver-start.js");
        if (!Directory.Exists(Path.Combine(RepositoryPaths.ServersDirectory, "node_modules", "s3rver")))
        {
            throw new InvalidOperationException(
                "s3rver is not installed: run `npm ci --prefix tests/servers` from the repository root.");
        }

        List<string> arguments = [script, "--directory", DataDirectory, "--address", "127.0.0.1", "--port", "0", "--silent"];
        foreach (var key in acceptedAccessKeys)
        {
            arguments.AddRange(["--access-key", key]);
        }

        process = ServerProcess.Start("node", arguments, RepositoryPaths.ServersDirectory);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        // Port 0: s3rver binds a free port itself and the launcher prints it, so there is no race for the port.
        var line = await process.WaitForLineAsync(ListeningLine().IsMatch, timeout.Token).ConfigureAwait(false);
        var port = int.Parse(ListeningLine().Match(line).Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
        endpoint = new Uri($"http://127.0.0.1:{port}");

        using var response = await Http.GetAsync(endpoint, timeout.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private async Task<HttpResponseMessage?> HeadAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        response.EnsureSuccessStatusCode();
        return response;
    }

    private Uri Url(string bucket, string? key = null) =>
        new(Endpoint, key is null ? Uri.EscapeDataString(bucket) : $"{Uri.EscapeDataString(bucket)}/{EscapeKey(key)}");

    private static string EscapeKey(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex(@"s3rver listening on [^\s]+:(?<port>\d+)$")]
    private static partial Regex ListeningLine();
}
