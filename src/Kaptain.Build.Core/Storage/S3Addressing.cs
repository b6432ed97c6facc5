namespace Kaptain.Build.Storage;

/// <summary>
/// The URLs of buckets and objects at an endpoint: by path (<c>http://host/bucket/key</c>) or by host name
/// (<c>https://bucket.host/key</c>, "virtual-hosted"), and AWS's global endpoint made regional.
/// </summary>
/// <remarks>
/// Every S3 call the client makes takes its URL from here, so <c>KaptainS3PathStyle</c> means the same for the upload,
/// the existence checks and the deletes. AWS answers a path-style request on the global endpoint
/// <c>s3.amazonaws.com</c> for a bucket outside us-east-1 with <c>301 PermanentRedirect</c>, and deprecates path style
/// for new buckets; hence <see cref="RegionalEndpoint"/> and the default of <c>KaptainS3PathStyle</c> (false for
/// amazonaws.com endpoints).
/// </remarks>
public sealed class S3Addressing
{
    private readonly Uri endpoint;
    private readonly bool pathStyle;

    /// <summary>Addresses buckets at <paramref name="endpoint"/> (after <see cref="RegionalEndpoint"/>).</summary>
    public S3Addressing(S3Endpoint endpoint, string region, bool pathStyle)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrEmpty(region);
        this.endpoint = RegionalEndpoint(endpoint.Url, region);
        this.pathStyle = pathStyle;
    }

    /// <summary>
    /// AWS's global endpoint <c>s3.amazonaws.com</c> as the endpoint of <paramref name="region"/>
    /// (<c>s3.eu-west-1.amazonaws.com</c>); any other endpoint as it is.
    /// </summary>
    public static Uri RegionalEndpoint(Uri endpoint, string region)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (string.Equals(endpoint.Host, "s3.amazonaws.com", StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrEmpty(region)
            && !string.Equals(region, "us-east-1", StringComparison.Ordinal))
        {
            var port = endpoint.IsDefaultPort ? string.Empty : $":{endpoint.Port}";
            return new Uri($"{endpoint.Scheme}://s3.{region}.amazonaws.com{port}");
        }

        return new Uri(endpoint.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>The URL of <paramref name="bucket"/> itself (for HEAD and PUT bucket).</summary>
    public Uri Bucket(string bucket)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        return ByPath(bucket)
            ? new Uri($"{Authority(endpoint.Host)}/{S3RequestSigner.Escape(bucket)}")
            : new Uri($"{Authority($"{bucket}.{endpoint.Host}")}/");
    }

    /// <summary>The URL of the object <paramref name="key"/> in <paramref name="bucket"/>; each '/'-separated segment escaped as SigV4 wants it.</summary>
    public Uri Object(string bucket, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var escapedKey = string.Join('/', key.Split('/').Select(S3RequestSigner.Escape));
        return ByPath(bucket)
            ? new Uri($"{Authority(endpoint.Host)}/{S3RequestSigner.Escape(bucket)}/{escapedKey}")
            : new Uri($"{Authority($"{bucket}.{endpoint.Host}")}/{escapedKey}");
    }

    /// <summary>
    /// Whether <paramref name="bucket"/> goes into the path: when asked for, and for a bucket name with a '.' over https,
    /// whose host name no wildcard certificate covers (the AWS SDKs and minio-go fall back to path style the same way:
    /// minio-go pkg/s3utils IsVirtualHostSupported).
    /// </summary>
    private bool ByPath(string bucket) =>
        pathStyle || (endpoint.Scheme == Uri.UriSchemeHttps && bucket.Contains('.', StringComparison.Ordinal));

    private string Authority(string host) =>
        endpoint.IsDefaultPort ? $"{endpoint.Scheme}://{host}" : $"{endpoint.Scheme}://{host}:{endpoint.Port}";
}
