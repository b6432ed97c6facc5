using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Storage;

/// <summary>
/// Sends signed S3 requests to one endpoint and turns failures into coded diagnostics that name the endpoint and
/// never a secret. Shared by the streamed upload and the other calls of <see cref="S3ObjectStore"/>, so that they
/// address buckets the same way (<see cref="S3Addressing"/>).
/// </summary>
internal sealed class S3Requests(HttpClient http, ObjectStoreOptions options)
{
    private readonly S3RequestSigner signer = new(options.Credentials, options.Region);

    /// <summary>The URLs of buckets and objects.</summary>
    public S3Addressing Addressing { get; } = new(options.Endpoint, options.Region, options.PathStyle);

    /// <summary>The options.</summary>
    public ObjectStoreOptions Options => options;

    /// <summary>
    /// Signs and sends <paramref name="request"/>; a success, or a status in <paramref name="answered"/>, is returned
    /// (the caller disposes it), anything else is thrown as <c>KAPT3001</c>-<c>KAPT3004</c>.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request,
        string payloadHash,
        string operation,
        string bucket,
        string? key,
        CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead,
        params HttpStatusCode[] answered)
    {
        signer.Sign(request, payloadHash, DateTimeOffset.UtcNow);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            var reason = exception.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : exception.HttpRequestError.ToString();
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3001", "KaptainS3Endpoint", options.Endpoint, reason), exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3001", "KaptainS3Endpoint", options.Endpoint, "timed out"), exception);
        }

        if (response.IsSuccessStatusCode || answered.Contains(response.StatusCode))
        {
            return response;
        }

        using (response)
        {
            var code = await ErrorCodeAsync(response, cancellationToken).ConfigureAwait(false);
            throw Failure(operation, bucket, key, code, response.StatusCode);
        }
    }

    /// <summary>The S3 error code of a failed answer (<c>NoSuchKey</c>, ...), else its status.</summary>
    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return ErrorCode(body) ?? $"{(int)response.StatusCode} {response.StatusCode}";
    }

    /// <summary>The <c>Code</c> of an S3 error document, or null when <paramref name="body"/> is not one.</summary>
    public static string? ErrorCode(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    /// <summary>The diagnostic for a failed call: rejected credentials, denied access, or the server's code.</summary>
    public KaptainException Failure(string operation, string bucket, string? key, string code, HttpStatusCode? status = null)
    {
        var source = options.Credentials.Source;
        var subject = key is null ? bucket : $"{bucket}/{key}";
        return new KaptainException(code switch
        {
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken" or "TokenRefreshRequired" =>
                KaptainDiagnostic.Error("KAPT3002", "KaptainS3Endpoint", options.Endpoint, source, code),
            "AccessDenied" or "AllAccessDisabled" =>
                KaptainDiagnostic.Error("KAPT3003", bucket, options.Endpoint, operation, bucket, source),
            _ when status == HttpStatusCode.Forbidden =>
                KaptainDiagnostic.Error("KAPT3003", bucket, options.Endpoint, operation, bucket, source),
            _ => KaptainDiagnostic.Error("KAPT3004", subject, options.Endpoint, operation, subject, code),
        });
    }
}
