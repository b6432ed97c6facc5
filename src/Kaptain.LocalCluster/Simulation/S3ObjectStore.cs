using System.Net;
using System.Xml.Linq;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// The S3 reads of the simulated Kaniko and KServe storage initializer, and the simulated training script's upload of
/// its model, through the S3 API with the workload's own credentials. Keeps the Minio SDK behind this one class.
/// </summary>
internal sealed class S3ObjectStore : IDisposable
{
    private readonly IMinioClient _client;
    private readonly Uri _endpoint;

    /// <summary>Creates a store for an endpoint URL (<c>http://127.0.0.1:4568</c>) and credentials.</summary>
    /// <exception cref="S3Exception">The endpoint is not an absolute http(s) URL.</exception>
    public S3ObjectStore(string endpoint, string? accessKey, string? secretKey, string region)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new S3Exception("InvalidEndpoint", $"S3 endpoint '{endpoint}' is not an http(s) URL");
        }

        _endpoint = uri;
        _client = new MinioClient()
            .WithEndpoint(uri.Host, uri.Port)
            .WithCredentials(accessKey ?? string.Empty, secretKey ?? string.Empty)
            .WithRegion(region)
            .WithSSL(uri.Scheme == "https")
            .Build();
    }

    /// <summary>Reads a whole object.</summary>
    /// <exception cref="S3Exception">The object, bucket or permission is missing, or the server did not answer.</exception>
    public async Task<byte[]> ReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        // Stat first: Minio's GetObject reports a missing object less precisely than StatObject.
        await StatAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await CallAsync(
            bucket,
            key,
            () => _client.GetObjectAsync(
                new GetObjectArgs().WithBucket(bucket).WithObject(key).WithCallbackStream((stream, ct) => stream.CopyToAsync(buffer, ct)),
                cancellationToken)).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Checks that an object exists and the credentials may read it.</summary>
    /// <exception cref="S3Exception">It does not, or the server did not answer.</exception>
    public Task StatAsync(string bucket, string key, CancellationToken cancellationToken) =>
        CallAsync(bucket, key, () => _client.StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject(key), cancellationToken));

    /// <summary>Whether an object exists at <paramref name="key"/> or under the prefix <paramref name="key"/><c>/</c>
    /// (a model directory), after checking with a signed request that the credentials may read the bucket.</summary>
    /// <exception cref="S3Exception">The bucket is missing or the credentials are refused, or the server did not answer.</exception>
    public async Task<bool> ExistsAsObjectOrPrefixAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var bucketExists = false;
        await CallAsync(bucket, key, async () => bucketExists = await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (!bucketExists)
        {
            throw new S3Exception("NoSuchBucket", $"NoSuchBucket: The specified bucket does not exist ({bucket})");
        }

        if (key.Length > 0 && !key.EndsWith('/'))
        {
            try
            {
                await StatAsync(bucket, key, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (S3Exception e) when (e.Code == "NoSuchKey")
            {
                // Not an object: maybe a directory of model files.
            }
        }

        return await PrefixHasObjectsAsync(bucket, key.Length == 0 || key.EndsWith('/') ? key : key + "/", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a whole object (PutObject) into an existing bucket.</summary>
    /// <exception cref="S3Exception">The bucket or permission is missing, or the server did not answer.</exception>
    public async Task WriteAsync(string bucket, string key, byte[] content, CancellationToken cancellationToken)
    {
        var bucketExists = false;
        await CallAsync(bucket, key, async () => bucketExists = await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (!bucketExists)
        {
            throw new S3Exception("NoSuchBucket", $"NoSuchBucket: The specified bucket does not exist ({bucket})");
        }

        using var body = new MemoryStream(content, writable: false);
        await CallAsync(
            bucket,
            key,
            () => _client.PutObjectAsync(
                new PutObjectArgs().WithBucket(bucket).WithObject(key).WithStreamData(body).WithObjectSize(content.Length).WithContentType("application/octet-stream"),
                cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The keys under <paramref name="prefix"/> (up to 1,000), after checking with a signed request that the
    /// credentials may read the bucket. Read with a plain ListObjectsV2 request, as <see cref="ExistsAsObjectOrPrefixAsync"/> does.</summary>
    /// <exception cref="S3Exception">The bucket is missing or the credentials are refused, or the server did not answer.</exception>
    public async Task<IReadOnlyList<string>> ListKeysAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        var bucketExists = false;
        await CallAsync(bucket, prefix, async () => bucketExists = await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (!bucketExists)
        {
            throw new S3Exception("NoSuchBucket", $"NoSuchBucket: The specified bucket does not exist ({bucket})");
        }

        var xml = await ListAsync(bucket, prefix, 1000, cancellationToken).ConfigureAwait(false);
        return [.. xml.Descendants().Where(e => e.Name.LocalName == "Key" && e.Value.Length > 0).Select(e => e.Value)];
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    /// <summary>Lists one key under a prefix with a plain ListObjectsV2 request. Minio 7.0.0 parses s3rver's listing
    /// as empty (XML namespace), so the listing is read here; the credentials were checked by the signed request before.</summary>
    private async Task<bool> PrefixHasObjectsAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        // Not max-keys=1: s3rver 3.7.1 answers 500 (InternalError) to a listing it has to truncate.
        var xml = await ListAsync(bucket, prefix, 1000, cancellationToken).ConfigureAwait(false);
        return xml.Descendants().Any(e => e.Name.LocalName == "Key" && e.Value.Length > 0);
    }

    private async Task<XDocument> ListAsync(string bucket, string prefix, int maxKeys, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var url = new Uri(_endpoint, $"/{Uri.EscapeDataString(bucket)}?list-type=2&max-keys={maxKeys}&prefix={Uri.EscapeDataString(prefix)}");
        try
        {
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new S3Exception(response.StatusCode == HttpStatusCode.Forbidden ? "AccessDenied" : "RequestError", $"listing s3://{bucket}/{prefix} answered {(int)response.StatusCode}");
            }

            return XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (HttpRequestException e)
        {
            throw new S3Exception("RequestError", $"RequestError: send request failed: {e.Message}");
        }
    }

    private static async Task CallAsync(string bucket, string key, Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            throw new S3Exception("NoSuchKey", $"NoSuchKey: The specified key does not exist (s3://{bucket}/{key})");
        }
        catch (BucketNotFoundException)
        {
            throw new S3Exception("NoSuchBucket", $"NoSuchBucket: The specified bucket does not exist ({bucket})");
        }
        catch (Exception e) when (e is AccessDeniedException or AuthorizationException)
        {
            throw new S3Exception("AccessDenied", $"AccessDenied: Access Denied (s3://{bucket}/{key})");
        }
        catch (MinioException e)
        {
            var code = e.Response?.Code is { Length: > 0 } responseCode ? responseCode : "RequestError";
            throw new S3Exception(code, $"{code}: reading s3://{bucket}/{key} failed");
        }
        catch (HttpRequestException e)
        {
            throw new S3Exception("RequestError", $"RequestError: send request failed: {e.Message}");
        }
    }
}
