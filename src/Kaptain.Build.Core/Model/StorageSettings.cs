namespace Kaptain.Build.Model;

/// <summary>The S3-compatible object store that holds build contexts and models.</summary>
/// <param name="Endpoint">The endpoint URL: scheme, host and optional port (<c>KaptainS3Endpoint</c>).</param>
/// <param name="Region">The region (<c>KaptainS3Region</c>).</param>
/// <param name="PathStyle">Whether buckets are addressed by path (<c>KaptainS3PathStyle</c>).</param>
/// <param name="SignatureVersion">The signature version, always <c>v4</c> (<c>KaptainS3SignatureVersion</c>; <c>v2</c> is refused, KAPT2095).</param>
/// <param name="Bucket">The bucket (<c>KaptainS3Bucket</c>).</param>
/// <param name="ModelStorageUri">The base URI under which models are stored, without a trailing '/' (<c>KaptainModelStorageUri</c>).</param>
public sealed record StorageSettings(
    Uri Endpoint,
    string Region,
    bool PathStyle,
    string SignatureVersion,
    string Bucket,
    string ModelStorageUri)
{
    /// <summary>The endpoint as the S3 clients and Kaniko's <c>S3_ENDPOINT</c> want it: <c>scheme://host[:port]</c>.</summary>
    public string EndpointUrl => Endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>
    /// The endpoint every S3 client of a run is given (ours, Kaniko's <c>S3_ENDPOINT</c>, KServe's annotation): AWS's
    /// global endpoint made regional for a region other than us-east-1 (see <see cref="Storage.S3Addressing.RegionalEndpoint"/>).
    /// </summary>
    public Uri ClientEndpoint => Storage.S3Addressing.RegionalEndpoint(Endpoint, Region);
}
