using System.Net;
using System.Net.Sockets;
using Kaptain.Build.Diagnostics;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace Kaptain.Build.Storage;

/// <summary>
/// <see cref="IObjectStore"/> over the MinIO .NET SDK 7.0.0, except for the streamed put, which is our own multipart
/// upload (<see cref="S3StreamingUpload"/> says why). The SDK addresses buckets by path for every endpoint other than
/// AWS; the streamed put follows <see cref="ObjectStoreOptions.PathStyle"/>.
/// </summary>
public sealed class MinioObjectStore : IObjectStore
{
    private readonly IMinioClient client;
    private readonly ObjectStoreOptions options;
    private readonly HttpClient uploads;

    /// <summary>Creates the store; nothing is sent until the first call.</summary>
    public MinioObjectStore(ObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        var builder = new MinioClient()
            .WithEndpoint(options.Endpoint.HostAndPort)
            .WithSSL(options.Endpoint.IsSecure)
            .WithRegion(options.Region)
            .WithTimeout((int)options.RequestTimeout.TotalMilliseconds)
            .WithCredentials(options.Credentials.AccessKeyId, options.Credentials.SecretAccessKey.Reveal());
        if (options.Credentials.SessionToken is { } token)
        {
            builder = builder.WithSessionToken(token.Reveal());
        }

        client = builder.Build();
        uploads = new HttpClient { Timeout = options.RequestTimeout };
    }

    /// <inheritdoc />
    public S3Endpoint Endpoint => options.Endpoint;

    /// <inheritdoc />
    public async Task EnsureBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        try
        {
            if (await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
        catch (AccessDeniedException)
        {
            // A HEAD answer has no body, so a rejected key and a denied bucket look alike; creating the bucket gives
            // an answer with an error code that tells them apart (or succeeds).
        }
        catch (Exception exception) when (Translate(exception, "check", bucket, null) is { } translated)
        {
            throw translated;
        }

        try
        {
            await client.MakeBucketAsync(new MakeBucketArgs().WithBucket(bucket).WithLocation(options.Region), cancellationToken).ConfigureAwait(false);
        }
        catch (MinioException exception) when (exception.Response?.Code is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Created meanwhile by another build, or it exists and the HEAD was denied: the put will tell.
        }
        catch (Exception exception) when (Translate(exception, "create", bucket, null) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string bucket, string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(content);
        await new S3StreamingUpload(uploads, options).PutAsync(bucket, key, content, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            await client.StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject(key), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is ObjectNotFoundException or BucketNotFoundException)
        {
            return false;
        }
        catch (Exception exception) when (Translate(exception, "check", bucket, key) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(key), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ObjectNotFoundException or BucketNotFoundException)
        {
            // Already gone: cleanup is idempotent.
        }
        catch (Exception exception) when (Translate(exception, "delete", bucket, key) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    public async Task GetAsync(string bucket, string key, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            await client.GetObjectAsync(
                new GetObjectArgs()
                    .WithBucket(bucket)
                    .WithObject(key)
                    .WithCallbackStream((stream, token) => stream.CopyToAsync(destination, token)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ObjectNotFoundException or BucketNotFoundException)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3005", $"{bucket}/{key}", Endpoint, bucket, key), exception);
        }
        catch (Exception exception) when (Translate(exception, "read", bucket, key) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        client.Dispose();
        uploads.Dispose();
    }

    /// <summary>
    /// Turns an SDK or network failure into a coded diagnostic naming the endpoint and never the secret; null for
    /// cancellation, which goes up as it is. The SDK's own message is not used: it may quote the server's answer.
    /// </summary>
    private KaptainException? Translate(Exception exception, string operation, string bucket, string? key)
    {
        if (exception is OperationCanceledException or KaptainException)
        {
            return null;
        }

        var subject = key is null ? bucket : $"{bucket}/{key}";
        var source = options.Credentials.Source;
        var diagnostic = exception switch
        {
            ConnectionException or HttpRequestException or SocketException or TimeoutException =>
                KaptainDiagnostic.Error("KAPT3001", "KaptainS3Endpoint", Endpoint, Describe(exception)),
            AuthorizationException =>
                KaptainDiagnostic.Error("KAPT3002", "KaptainS3Endpoint", Endpoint, source, "InvalidAccessKeyId or SignatureDoesNotMatch"),
            MinioException { Response.Code: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken" } minio =>
                KaptainDiagnostic.Error("KAPT3002", "KaptainS3Endpoint", Endpoint, source, minio.Response.Code),
            AccessDeniedException or ForbiddenException or MinioException { Response.Code: "AccessDenied" or "AllAccessDisabled" } =>
                KaptainDiagnostic.Error("KAPT3003", bucket, Endpoint, operation, bucket, source),
            BucketNotFoundException =>
                KaptainDiagnostic.Error("KAPT3004", subject, Endpoint, operation, subject, "NoSuchBucket"),
            MinioException minio =>
                KaptainDiagnostic.Error("KAPT3004", subject, Endpoint, operation, subject, minio.Response?.Code ?? minio.GetType().Name),
            _ => null,
        };

        return diagnostic is null ? null : new KaptainException(diagnostic, exception);
    }

    private static string Describe(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode.ToString();
            }

            if (inner is HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http)
            {
                return http.HttpRequestError.ToString();
            }
        }

        return exception is TimeoutException ? "timed out" : "no connection";
    }
}
