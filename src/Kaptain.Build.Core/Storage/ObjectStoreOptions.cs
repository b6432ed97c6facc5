using Kaptain.Build.Credentials;

namespace Kaptain.Build.Storage;

/// <summary>Where the object store is and how to talk to it.</summary>
public sealed record ObjectStoreOptions
{
    /// <summary>The endpoint (<c>KaptainS3Endpoint</c>).</summary>
    public required S3Endpoint Endpoint { get; init; }

    /// <summary>The credentials (see <see cref="S3CredentialResolver"/>).</summary>
    public required S3Credentials Credentials { get; init; }

    /// <summary>The region requests are signed for; <c>us-east-1</c> suits MinIO and most S3-compatible stores.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// Address buckets by path (<c>http://host/bucket/key</c>) rather than by host name (<c>https://bucket.host/key</c>)
    /// (<c>KaptainS3PathStyle</c>; the model's default is false for amazonaws.com endpoints, true otherwise).
    /// </summary>
    public bool PathStyle { get; init; } = true;

    /// <summary>How long one request may take before it counts as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
