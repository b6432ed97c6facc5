using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kaptain.Build.Credentials;

namespace Kaptain.Build.Storage;

/// <summary>
/// Signs S3 requests with AWS Signature Version 4 (header form, <c>UNSIGNED-PAYLOAD</c> never used: every payload is
/// hashed). <see cref="Authorization"/> is the algorithm itself, tested against AWS's published Signature V4 test
/// suite; <see cref="Sign"/> adds what S3 wants on top (<c>x-amz-content-sha256</c>, the session token).
/// </summary>
/// <remarks>
/// Hand-written rather than the AWS SDK's because the streamed upload (<see cref="S3StreamingUpload"/>) sends parts
/// from pooled buffers two at a time as they are compressed, which the SDK's upload does not (see there), and
/// because S3-compatible stores are what most users run: S3 signing is plain SigV4 with the path not normalized.
/// </remarks>
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
        var amzDate = AmzDate(now);
        request.Headers.Remove("x-amz-date");
        request.Headers.Remove("x-amz-content-sha256");
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}"),
            new("x-amz-content-sha256", payloadHash),
            new("x-amz-date", amzDate),
        };
        if (credentials.SessionToken is { } token)
        {
            request.Headers.Remove("x-amz-security-token");
            request.Headers.TryAddWithoutValidation("x-amz-security-token", token.Reveal());
            headers.Add(new("x-amz-security-token", token.Reveal()));
        }

        foreach (var name in extraSignedHeaders)
        {
            var values = request.Headers.TryGetValues(name, out var found) ? found
                : request.Content?.Headers.TryGetValues(name, out var contentValues) == true ? contentValues
                : [];
            foreach (var value in values)
            {
                headers.Add(new(name, value));
            }
        }

        request.Headers.TryAddWithoutValidation(
            "Authorization",
            Authorization(request.Method.Method, uri, headers, payloadHash, now, region, "s3", credentials.AccessKeyId, credentials.SecretAccessKey.Reveal()));
    }

    /// <summary>
    /// The <c>Authorization</c> header value of Signature Version 4 for a request (AWS General Reference, "Create a
    /// signed AWS API request"): canonical request, string to sign, the derived key, the signature.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The URL as sent: path and query already escaped (RFC 3986), the path not normalized (S3's rule).</param>
    /// <param name="headers">The headers to sign, <c>host</c> and <c>x-amz-date</c> among them; a name given twice has its values joined by ','.</param>
    /// <param name="payloadHash">The hex SHA-256 of the body.</param>
    /// <param name="now">The signing time (the date of the scope).</param>
    /// <param name="region">The region of the scope.</param>
    /// <param name="service">The service of the scope (<c>s3</c>).</param>
    /// <param name="accessKeyId">The access key id.</param>
    /// <param name="secretAccessKey">The secret access key.</param>
    public static string Authorization(
        string method,
        Uri uri,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash,
        DateTimeOffset now,
        string region,
        string service,
        string accessKeyId,
        string secretAccessKey)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        var amzDate = AmzDate(now);
        var date = amzDate[..8];

        // Names lowercased and sorted; values trimmed with inner runs of spaces made one; repeated names joined by ','.
        var canonicalHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            var trimmed = string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            canonicalHeaders[key] = canonicalHeaders.TryGetValue(key, out var before) ? before + "," + trimmed : trimmed;
        }

        var signedHeaders = string.Join(';', canonicalHeaders.Keys);
        var canonicalRequest = new StringBuilder()
            .Append(method).Append('\n')
            .Append(uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath).Append('\n')
            .Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            canonicalRequest.Append(name).Append(':').Append(value).Append('\n');
        }

        canonicalRequest.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);

        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest.ToString())))}";
        var key2 = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), date);
        key2 = Hmac(key2, region);
        key2 = Hmac(key2, service);
        key2 = Hmac(key2, "aws4_request");
        var signature = Hex(Hmac(key2, stringToSign));
        return $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
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

    /// <summary>Lowercase hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string AmzDate(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }

        // The query is built escaped (Escape); sort its pairs by name, then value, and make "name" into "name=".
        return string.Join('&', query.TrimStart('?').Split('&')
            .Select(pair => pair.IndexOf('=', StringComparison.Ordinal) is var equals and >= 0 ? (Name: pair[..equals], Value: pair[(equals + 1)..]) : (Name: pair, Value: string.Empty))
            .OrderBy(pair => pair.Name, StringComparer.Ordinal)
            .ThenBy(pair => pair.Value, StringComparer.Ordinal)
            .Select(pair => pair.Name + "=" + pair.Value));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
