using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Storage;

/// <summary>
/// <see cref="IObjectStore"/> over S3's REST API, signed with Signature V4 (<see cref="S3RequestSigner"/>), every call
/// addressed by <see cref="S3Addressing"/>: by path or by host name as <c>KaptainS3PathStyle</c> says.
/// </summary>
/// <remarks>
/// Not the MinIO SDK (7.0.0), which the first design used: it chooses the addressing style from the host name alone
/// (virtual-hosted for amazonaws.com, by path for every other host; minio-dotnet <c>RequestUtil</c> /
/// <c>s3utils.IsVirtualHostSupported</c>), so neither <c>KaptainS3PathStyle=true</c> on AWS nor <c>false</c> on an
/// S3-compatible store that wants host names could be honoured, and the streamed upload, which it cannot do either
/// (see <see cref="S3StreamingUpload"/>), already spoke the REST API. These are five small requests on the same
/// signer and URLs as the upload.
/// </remarks>
public sealed class S3ObjectStore : IObjectStore
{
    private readonly HttpClient http;
    private readonly S3Requests requests;

    /// <summary>Creates the store; nothing is sent until the first call.</summary>
    public S3ObjectStore(ObjectStoreOptions options)
        : this(options, new SocketsHttpHandler())
    {
    }

    /// <summary>Creates the store over <paramref name="handler"/> (tests point host names at a local server).</summary>
    internal S3ObjectStore(ObjectStoreOptions options, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        http = new HttpClient(handler, disposeHandler: true) { Timeout = options.RequestTimeout };
        requests = new S3Requests(http, options);
    }

    /// <inheritdoc />
    public S3Endpoint Endpoint => requests.Options.Endpoint;

    /// <summary>The URLs this store sends its requests to.</summary>
    public S3Addressing Addressing => requests.Addressing;

    /// <inheritdoc />
    public async Task EnsureBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        using (var head = new HttpRequestMessage(HttpMethod.Head, requests.Addressing.Bucket(bucket)))
        using (var found = await requests.SendAsync(
            head, S3RequestSigner.EmptyPayloadHash, "check", bucket, null, cancellationToken, answered: [HttpStatusCode.NotFound, HttpStatusCode.Forbidden]).ConfigureAwait(false))
        {
            // A HEAD answer has no body, so a rejected key and a denied bucket look alike (403); creating the bucket
            // gives an answer with an error code that tells them apart (or succeeds).
            if (found.IsSuccessStatusCode)
            {
                return;
            }
        }

        using var create = new HttpRequestMessage(HttpMethod.Put, requests.Addressing.Bucket(bucket));
        var payloadHash = S3RequestSigner.EmptyPayloadHash;
        var region = requests.Options.Region;
        if (region != "us-east-1")
        {
            // S3 creates a bucket in us-east-1 unless the body names the region (and refuses a mismatch with the endpoint's).
            var body = Encoding.UTF8.GetBytes(new XElement(
                XName.Get("CreateBucketConfiguration", "http://s3.amazonaws.com/doc/2006-03-01/"),
                new XElement(XName.Get("LocationConstraint", "http://s3.amazonaws.com/doc/2006-03-01/"), region)).ToString(SaveOptions.DisableFormatting));
            create.Content = new ByteArrayContent(body);
            create.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
            payloadHash = S3RequestSigner.Hex(SHA256.HashData(body));
        }

        using var created = await requests.SendAsync(create, payloadHash, "create", bucket, null, cancellationToken, answered: HttpStatusCode.Conflict).ConfigureAwait(false);
        if (created.StatusCode == HttpStatusCode.Conflict)
        {
            var code = await S3Requests.ErrorCodeAsync(created, cancellationToken).ConfigureAwait(false);
            if (code is not ("BucketAlreadyOwnedByYou" or "BucketAlreadyExists"))
            {
                throw requests.Failure("create", bucket, null, code, created.StatusCode);
            }

            // Created meanwhile by another build, or it exists and the HEAD was denied: the put will tell.
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string bucket, string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(content);
        await UploadAsync(bucket, key, (upload, _) => upload.WriteFromAsync(content), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task PutAsync(string bucket, string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(write);
        return UploadAsync(bucket, key, write, cancellationToken);
    }

    private async Task UploadAsync(string bucket, string key, Func<S3StreamingUpload, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        await using var upload = new S3StreamingUpload(requests, bucket, key, cancellationToken);
        try
        {
            await write(upload, upload.Token).ConfigureAwait(false);
            await upload.CompleteAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && upload.PartFailure is { } cause)
        {
            // A part failed and stopped the writer: the part's failure is the cause, the writer's cancellation is not.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        using var request = new HttpRequestMessage(HttpMethod.Head, requests.Addressing.Object(bucket, key));
        using var response = await requests.SendAsync(
            request, S3RequestSigner.EmptyPayloadHash, "check", bucket, key, cancellationToken, answered: HttpStatusCode.NotFound).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);

        // S3 answers 204 for a key that does not exist; a missing bucket is 404 NoSuchBucket. Both are "gone".
        using var request = new HttpRequestMessage(HttpMethod.Delete, requests.Addressing.Object(bucket, key));
        using var response = await requests.SendAsync(
            request, S3RequestSigner.EmptyPayloadHash, "delete", bucket, key, cancellationToken, answered: HttpStatusCode.NotFound).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task GetAsync(string bucket, string key, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Get, requests.Addressing.Object(bucket, key));
        using var response = await requests.SendAsync(
            request, S3RequestSigner.EmptyPayloadHash, "read", bucket, key, cancellationToken, HttpCompletionOption.ResponseHeadersRead, HttpStatusCode.NotFound).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3005", $"{bucket}/{key}", Endpoint, bucket, key));
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await body.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => http.Dispose();
}
