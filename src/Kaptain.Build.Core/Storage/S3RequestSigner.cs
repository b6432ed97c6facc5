using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kaptain.Build.Credentials;

namespace Kaptain.Build.Storage;

/// <summary>
/// Signs S3 requests with AWS Signature Version 4 (header form), for the requests the MinIO SDK cannot make the way
/// we need them (see <see cref="S3StreamingUpload"/>).
/// </summary>
internal sealed class S3RequestSigner(S3Credentials credentials, string region)
{
    /// <summary>The hash of an empty payload.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Adds <c>x-amz-date</c>, <c>x-amz-content-sha256</c>, the session token and <c>Authorization</c> to <paramref name="request"/>.</summary>
    /// <param name="request">The request; its URI must already be escaped as it will be sent.</param>
    /// <param name="payloadHash">The hex SHA-256 of the body.</param>
    /// <param name="now">The signing time.</param>
    /// <param name="extraSignedHeaders">Further headers (already on the request) to sign, for example <c>range</c>.</param>
    public void Sign(HttpRequestMessage request, string payloadHash, DateTimeOffset now, params string[] extraSignedHeaders)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        request.Headers.Remove("x-amz-date");
        request.Headers.Remove("x-amz-content-sha256");
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        if (credentials.SessionToken is { } token)
        {
            request.Headers.Remove("x-amz-security-token");
            request.Headers.TryAddWithoutValidation("x-amz-security-token", token.Reveal());
        }

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}",
            ["x-amz-content-sha256"] = payloadHash,
            ["x-amz-date"] = amzDate,
        };
        if (credentials.SessionToken is { } sessionToken)
        {
            headers["x-amz-security-token"] = sessionToken.Reveal();
        }

        foreach (var name in extraSignedHeaders)
        {
            var values = request.Headers.TryGetValues(name, out var found) ? found
                : request.Content?.Headers.TryGetValues(name, out var contentValues) == true ? contentValues
                : [];
            headers[name.ToLowerInvariant()] = string.Join(',', values).Trim();
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(uri.AbsolutePath).Append('\n')
            .Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (var (name, value) in headers)
        {
            canonicalRequest.Append(name).Append(':').Append(value).Append('\n');
        }

        canonicalRequest.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);

        var scope = $"{date}/{region}/s3/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey.Reveal()), date);
        key = Hmac(key, region);
        key = Hmac(key, "s3");
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential={credentials.AccessKeyId}/{scope},SignedHeaders={signedHeaders},Signature={signature}");
    }

    /// <summary>Escapes a path segment or query value as SigV4 wants it (RFC 3986 unreserved characters kept).</summary>
    public static string Escape(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }

        // The query is built escaped by us; sort its pairs and make "name" into "name=".
        return string.Join('&', query.TrimStart('?').Split('&')
            .Select(pair => pair.Contains('=', StringComparison.Ordinal) ? pair : pair + "=")
            .Order(StringComparer.Ordinal));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
