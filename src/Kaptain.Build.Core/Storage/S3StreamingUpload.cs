using System.Buffers;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Storage;

/// <summary>
/// Uploads a stream of unknown length as one object with S3 multipart upload: parts of <see cref="PartSize"/> from a
/// buffer pool, <see cref="PartsInFlight"/> sent at once while the next is read, aborted on failure or cancellation.
/// </summary>
/// <remarks>
/// Why not the MinIO SDK's put: 7.0.0 reads every 16 MiB part of an upload of unknown length into a new array and
/// sends the parts one after the other, so a 1 GiB context costs about 4 GiB of allocations and a peak of several
/// hundred MB, and the upload never overlaps itself. Here memory is (in flight + 1) parts whatever the size.
/// </remarks>
internal sealed class S3StreamingUpload(S3Requests requests)
{
    /// <summary>The part size (S3's minimum is 5 MiB for all parts but the last; 10,000 parts make 80 GiB).</summary>
    public const int PartSize = 8 * 1024 * 1024;

    /// <summary>Parts sent at the same time.</summary>
    public const int PartsInFlight = 2;

    public async Task PutAsync(string bucket, string key, Stream content, CancellationToken cancellationToken)
    {
        var objectUri = requests.Addressing.Object(bucket, key);
        var first = ArrayPool<byte>.Shared.Rent(PartSize);
        var firstLength = await ReadPartAsync(content, first, cancellationToken).ConfigureAwait(false);
        if (firstLength < PartSize)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, objectUri) { Content = Body(first, firstLength) };
                using var response = await SendAsync(request, Hash(first, firstLength), "write", bucket, key, cancellationToken).ConfigureAwait(false);
                return;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(first);
            }
        }

        string uploadId;
        try
        {
            uploadId = await CreateAsync(objectUri, bucket, key, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(first);
            throw;
        }

        var inFlight = new List<Task<(int Number, string ETag)>>();
        var done = new List<(int Number, string ETag)>();
        try
        {
            var number = 1;
            var buffer = first;
            var length = firstLength;
            while (true)
            {
                inFlight.Add(UploadPartAsync(objectUri, uploadId, number, buffer, length, bucket, key, cancellationToken));
                if (length < PartSize)
                {
                    break;
                }

                if (inFlight.Count >= PartsInFlight)
                {
                    var finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(finished);
                    done.Add(await finished.ConfigureAwait(false));
                }

                buffer = ArrayPool<byte>.Shared.Rent(PartSize);
                length = await ReadPartAsync(content, buffer, cancellationToken).ConfigureAwait(false);
                number++;
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
            }

            done.AddRange(await Task.WhenAll(inFlight).ConfigureAwait(false));
            inFlight.Clear();
            await CompleteAsync(objectUri, uploadId, done, bucket, key, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Let the parts in flight end (their buffers go back to the pool) and drop the parts already stored.
            await Task.WhenAll(inFlight.Select(part => part.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            await AbortAsync(objectUri, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<string> CreateAsync(Uri objectUri, string bucket, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(objectUri + "?uploads"));
        request.Content = new ByteArrayContent([]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await SendAsync(request, S3RequestSigner.EmptyPayloadHash, "write", bucket, key, cancellationToken).ConfigureAwait(false);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return document.Descendants().FirstOrDefault(e => e.Name.LocalName == "UploadId")?.Value
            ?? throw Failure("write", bucket, key, "no UploadId in the answer");
    }

    private async Task<(int Number, string ETag)> UploadPartAsync(
        Uri objectUri, string uploadId, int number, byte[] buffer, int length, string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            // Hashing off the reading thread: SHA-256 of 8 MiB is a few milliseconds, but it is CPU the compressor wants.
            var hash = await Task.Run(() => Hash(buffer, length), cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"{objectUri}?partNumber={number}&uploadId={S3RequestSigner.Escape(uploadId)}"))
            {
                Content = Body(buffer, length),
            };
            using var response = await SendAsync(request, hash, "write", bucket, key, cancellationToken).ConfigureAwait(false);
            var etag = response.Headers.ETag?.Tag
                ?? (response.Headers.TryGetValues("ETag", out var values) ? values.FirstOrDefault() : null)
                ?? throw Failure("write", bucket, key, $"no ETag for part {number}");
            return (number, etag);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CompleteAsync(Uri objectUri, string uploadId, List<(int Number, string ETag)> parts, string bucket, string key, CancellationToken cancellationToken)
    {
        var xml = new XElement(
            "CompleteMultipartUpload",
            parts.OrderBy(p => p.Number).Select(p => new XElement("Part", new XElement("PartNumber", p.Number), new XElement("ETag", p.ETag))));
        var body = Encoding.UTF8.GetBytes(xml.ToString(SaveOptions.DisableFormatting));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{objectUri}?uploadId={S3RequestSigner.Escape(uploadId)}"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        using var response = await SendAsync(request, Hash(body, body.Length), "write", bucket, key, cancellationToken).ConfigureAwait(false);

        // S3 may answer 200 and still report an error in the body of a completion.
        var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Contains("<Error>", StringComparison.Ordinal))
        {
            var code = XDocument.Parse(answer).Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "Error";
            throw Failure("write", bucket, key, code);
        }
    }

    private async Task AbortAsync(Uri objectUri, string uploadId)
    {
        // Best effort and brief: this runs on failure and on Ctrl+C, when the user waits for the build to end.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"{objectUri}?uploadId={S3RequestSigner.Escape(uploadId)}"));
            using var response = await requests.SendAsync(request, S3RequestSigner.EmptyPayloadHash, "abort", string.Empty, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is KaptainException or HttpRequestException or OperationCanceledException)
        {
            // Incomplete uploads are invisible and expire by the store's lifecycle rules; nothing more to do here.
        }
    }

    private Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, string payloadHash, string operation, string bucket, string key, CancellationToken cancellationToken) =>
        requests.SendAsync(request, payloadHash, operation, bucket, key, cancellationToken);

    private KaptainException Failure(string operation, string bucket, string key, string reason) =>
        new(KaptainDiagnostic.Error("KAPT3004", $"{bucket}/{key}", requests.Options.Endpoint, operation, $"{bucket}/{key}", reason));

    private static async Task<int> ReadPartAsync(Stream content, byte[] buffer, CancellationToken cancellationToken) =>
        await content.ReadAtLeastAsync(buffer.AsMemory(0, PartSize), PartSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);

    private static ByteArrayContent Body(byte[] buffer, int length)
    {
        var body = new ByteArrayContent(buffer, 0, length);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return body;
    }

    private static string Hash(byte[] buffer, int length) => S3RequestSigner.Hex(SHA256.HashData(buffer.AsSpan(0, length)));
}
