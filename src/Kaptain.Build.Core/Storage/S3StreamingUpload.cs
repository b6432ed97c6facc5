using System.Buffers;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Storage;

/// <summary>
/// One object uploaded while it is produced, of a length not known in advance: a write-only stream whose bytes go
/// straight into upload parts of <see cref="PartSize"/> from a buffer pool, <see cref="PartsInFlight"/> of them sent
/// at once while the writer fills the next. Content that fits one part is one PUT; more is an S3 multipart upload,
/// completed by <see cref="CompleteAsync"/> and aborted by <see cref="DisposeAsync"/> when it was not completed.
/// </summary>
/// <remarks>
/// <para>
/// Why not the MinIO SDK's put: 7.0.0 reads every 16 MiB part of an upload of unknown length into a new array and
/// sends the parts one after the other, so a 1 GiB context costs about 4 GiB of allocations and a peak of several
/// hundred MB, and the upload never overlaps itself. Here memory is (in flight + 1) parts whatever the size.
/// </para>
/// <para>
/// Why a stream that is written to rather than one that is read: the context's compressor writes its blocks here and
/// they are copied once, into the part that is sent. Through a pipe between a writer and a reader, each byte was copied
/// twice more and a 16 MiB buffer more was held.
/// </para>
/// <para>
/// A full part is sent only when the next byte arrives, so content of exactly one part is still one PUT, and every
/// part but the last is exactly <see cref="PartSize"/>, as S3 wants (at least 5 MiB; else CompleteMultipartUpload is
/// EntityTooSmall, which the test server enforces too).
/// </para>
/// </remarks>
internal sealed class S3StreamingUpload : Stream
{
    /// <summary>The part size (S3's minimum is 5 MiB for all parts but the last; 10,000 parts make 80 GiB).</summary>
    public const int PartSize = 8 * 1024 * 1024;

    /// <summary>Parts sent at the same time.</summary>
    public const int PartsInFlight = 2;

    private readonly S3Requests requests;
    private readonly string bucket;
    private readonly string key;
    private readonly Uri objectUri;
    private readonly CancellationTokenSource failed;
    private readonly List<Task<(int Number, string ETag)>> inFlight = [];
    private readonly List<(int Number, string ETag)> done = [];
    private byte[]? part;
    private int filled;
    private int number;
    private string? uploadId;
    private bool completed;
    private Exception? partFailure;

    public S3StreamingUpload(S3Requests requests, string bucket, string key, CancellationToken cancellationToken)
    {
        this.requests = requests;
        this.bucket = bucket;
        this.key = key;
        objectUri = requests.Addressing.Object(bucket, key);
        failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>Cancelled with the caller's token, and as soon as a part fails, so that the writer stops early.</summary>
    public CancellationToken Token => failed.Token;

    /// <summary>The exception of the first part that failed, which is the cause when the writer then saw a cancellation.</summary>
    public Exception? PartFailure => Volatile.Read(ref partFailure);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !completed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Reads <paramref name="content"/> to its end straight into the parts (no copy through another buffer).</summary>
    public async Task WriteFromAsync(Stream content)
    {
        await NextPartIfFullAsync().ConfigureAwait(false);
        while (true)
        {
            if (filled < PartSize)
            {
                var read = await content.ReadAsync(part.AsMemory(filled, PartSize - filled), Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                continue;
            }

            // The part is full. Whether more follows decides between one PUT and a multipart upload (and an empty last
            // part would be one request more), so the next bytes are read, into the next part, before the full one goes.
            byte[]? next = ArrayPool<byte>.Shared.Rent(PartSize);
            try
            {
                var read = await content.ReadAsync(next.AsMemory(0, PartSize), Token).ConfigureAwait(false);
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(next);
                    return;
                }

                await SendFullPartAsync().ConfigureAwait(false);
                (part, filled, next) = (next, read, null);
            }
            finally
            {
                if (next is not null)
                {
                    ArrayPool<byte>.Shared.Return(next);
                }
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(completed, this);
        cancellationToken.ThrowIfCancellationRequested();
        Token.ThrowIfCancellationRequested();
        while (!buffer.IsEmpty)
        {
            await NextPartIfFullAsync().ConfigureAwait(false);
            var take = Math.Min(buffer.Length, PartSize - filled);
            buffer.Span[..take].CopyTo(part.AsSpan(filled));
            filled += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The writers here (the context archive, a copy of a stream) write asynchronously; a synchronous write would block a
    // thread on the upload of a part.
    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The upload is written asynchronously only.");

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    /// <summary>Sends what is left and completes the object: one PUT, or the last part and CompleteMultipartUpload.</summary>
    public async Task CompleteAsync()
    {
        ObjectDisposedException.ThrowIf(completed, this);
        if (uploadId is null)
        {
            var body = part ?? [];
            using var request = new HttpRequestMessage(HttpMethod.Put, objectUri) { Content = Body(body, filled) };
            using var response = await SendAsync(request, Hash(body, filled), "write", Token).ConfigureAwait(false);
        }
        else
        {
            SendPart();
            while (inFlight.Count > 0)
            {
                await CollectOneAsync().ConfigureAwait(false);
            }

            await CompleteMultipartAsync().ConfigureAwait(false);
        }

        completed = true;
        ReturnPart();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Ends the upload: after <see cref="CompleteAsync"/> there is nothing to do; otherwise (a failure or a cancellation)
    /// the parts in flight end, their buffers go back to the pool and the parts already stored are dropped.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (!completed)
        {
            completed = true;
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(inFlight.Select(task => task.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            inFlight.Clear();
            if (uploadId is not null)
            {
                await AbortAsync(uploadId).ConfigureAwait(false);
            }
        }

        ReturnPart();
        failed.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Makes room to write: rents the first part, or sends the full one (starting the multipart upload) and rents the next.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(part))]
    private async ValueTask NextPartIfFullAsync()
    {
        if (part is null)
        {
            part = ArrayPool<byte>.Shared.Rent(PartSize);
            filled = 0;
            return;
        }

        if (filled < PartSize)
        {
            return;
        }

        await SendFullPartAsync().ConfigureAwait(false);
        part = ArrayPool<byte>.Shared.Rent(PartSize);
        filled = 0;
    }

    /// <summary>Sends the full current part (starting the multipart upload with the first) and waits for room in flight.</summary>
    private async Task SendFullPartAsync()
    {
        uploadId ??= await CreateAsync().ConfigureAwait(false);
        SendPart();
        while (inFlight.Count >= PartsInFlight)
        {
            await CollectOneAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts sending the current part; its buffer belongs to the send from here on.</summary>
    private void SendPart()
    {
        var buffer = part!;
        var length = filled;
        part = null;
        filled = 0;
        number++;
        inFlight.Add(UploadPartAsync(number, buffer, length));
    }

    private async Task CollectOneAsync()
    {
        var finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
        inFlight.Remove(finished);
        done.Add(await finished.ConfigureAwait(false));
    }

    private void ReturnPart()
    {
        if (part is not null)
        {
            ArrayPool<byte>.Shared.Return(part);
            part = null;
        }
    }

    private async Task<string> CreateAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(objectUri + "?uploads"));
        request.Content = new ByteArrayContent([]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await SendAsync(request, S3RequestSigner.EmptyPayloadHash, "write", Token).ConfigureAwait(false);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync(Token).ConfigureAwait(false));
        return document.Descendants().FirstOrDefault(e => e.Name.LocalName == "UploadId")?.Value
            ?? throw Failure("write", "no UploadId in the answer");
    }

    private async Task<(int Number, string ETag)> UploadPartAsync(int partNumber, byte[] buffer, int length)
    {
        try
        {
            // Hashing off the writer's thread: SHA-256 of 8 MiB is a few milliseconds, but it is CPU the compressor wants.
            var hash = await Task.Run(() => Hash(buffer, length), Token).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"{objectUri}?partNumber={partNumber}&uploadId={S3RequestSigner.Escape(uploadId!)}"))
            {
                Content = Body(buffer, length),
            };
            using var response = await SendAsync(request, hash, "write", Token).ConfigureAwait(false);
            return (partNumber, response.Headers.ETag?.Tag
                ?? (response.Headers.TryGetValues("ETag", out var values) ? values.FirstOrDefault() : null)
                ?? throw Failure("write", $"no ETag for part {partNumber}"));
        }
        catch (Exception exception)
        {
            // The writer is stopped at once (it may be compressing the next parts); what it then throws is a
            // cancellation, and this is the cause.
            if (exception is not OperationCanceledException || !failed.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref partFailure, exception, null);
                failed.Cancel();
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CompleteMultipartAsync()
    {
        var xml = new XElement(
            "CompleteMultipartUpload",
            done.OrderBy(p => p.Number).Select(p => new XElement("Part", new XElement("PartNumber", p.Number), new XElement("ETag", p.ETag))));
        var body = Encoding.UTF8.GetBytes(xml.ToString(SaveOptions.DisableFormatting));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{objectUri}?uploadId={S3RequestSigner.Escape(uploadId!)}"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        using var response = await SendAsync(request, Hash(body, body.Length), "write", Token).ConfigureAwait(false);

        // S3 may answer 200 and still report an error in the body of a completion.
        var answer = await response.Content.ReadAsStringAsync(Token).ConfigureAwait(false);
        if (answer.Contains("<Error>", StringComparison.Ordinal))
        {
            var code = XDocument.Parse(answer).Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "Error";
            throw Failure("write", code);
        }
    }

    private async Task AbortAsync(string id)
    {
        // Best effort and brief: this runs on failure and on Ctrl+C, when the user waits for the build to end.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"{objectUri}?uploadId={S3RequestSigner.Escape(id)}"));
            using var response = await requests.SendAsync(request, S3RequestSigner.EmptyPayloadHash, "abort", string.Empty, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is KaptainException or HttpRequestException or OperationCanceledException)
        {
            // Incomplete uploads are invisible and expire by the store's lifecycle rules; nothing more to do here.
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string payloadHash, string operation, CancellationToken cancellationToken) =>
        requests.SendAsync(request, payloadHash, operation, bucket, key, cancellationToken);

    private KaptainException Failure(string operation, string reason) =>
        new(KaptainDiagnostic.Error("KAPT3004", $"{bucket}/{key}", requests.Options.Endpoint, operation, $"{bucket}/{key}", reason));

    private static ByteArrayContent Body(byte[] buffer, int length)
    {
        var body = new ByteArrayContent(buffer, 0, length);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return body;
    }

    private static string Hash(byte[] buffer, int length) => S3RequestSigner.Hex(SHA256.HashData(buffer.AsSpan(0, length)));
}
