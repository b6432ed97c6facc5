using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>Reads <see cref="StorageSettings"/>: the S3 endpoint, bucket, signature, addressing style and the model storage URI.</summary>
internal sealed class StorageSettingsParser(ModelParseContext context)
{
    /// <summary>The settings, or null when the endpoint or the storage URI is unusable (both reported).</summary>
    internal StorageSettings? Parse()
    {
        var endpointText = context.Value(P.S3Endpoint)!;
        Uri? endpoint = null;
        if (!S3EndpointSyntax.TryParse(endpointText, out var parsed))
        {
            context.Error(InvalidS3Endpoint, P.S3Endpoint, endpointText);
        }
        else
        {
            endpoint = parsed;
        }

        var bucket = context.Value(P.S3Bucket)!;
        if (!S3EndpointSyntax.IsBucketName(bucket))
        {
            context.Error(InvalidBucketName, P.S3Bucket, bucket);
        }

        var signature = context.Value(P.S3SignatureVersion)!.ToLowerInvariant();
        if (signature == "v2")
        {
            // Kaniko (aws-sdk-go) and KServe's storage initializer (boto3) sign S3 requests with V4 only, and AWS
            // refuses V2 on buckets made since June 2020: a v2-only store could take the upload and then fail the build.
            context.Error(SignatureVersion2, P.S3SignatureVersion);
        }
        else if (signature != "v4")
        {
            context.Error(UnknownSignatureVersion, P.S3SignatureVersion, signature);
        }

        var pathStyle = context.Value(P.S3PathStyle) is null
            ? endpoint is null || !endpoint.Host.EndsWith("amazonaws.com", StringComparison.OrdinalIgnoreCase)
            : context.Boolean(P.S3PathStyle);
        var storageUri = context.StorageUri(P.ModelStorageUri, context.Value(P.ModelStorageUri) ?? $"s3://{bucket}/models");
        if (endpoint is null || storageUri is null)
        {
            return null;
        }

        return new StorageSettings(endpoint, context.Value(P.S3Region)!, pathStyle, signature, bucket, storageUri);
    }
}
