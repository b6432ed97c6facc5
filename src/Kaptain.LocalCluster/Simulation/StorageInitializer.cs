namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// The simulated KServe storage initializer: before a predictor starts, checks through the S3 API that its
/// <c>s3://bucket/path</c> model exists (an object, or objects under the path as a directory) with the credentials and
/// endpoint KServe hands it from the service account's Secret (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>S3_ENDPOINT</c>, <c>S3_USE_HTTPS</c>, <c>AWS_REGION</c>). Other URI schemes are not checked.
/// </summary>
internal static class StorageInitializer
{
    /// <summary>The init container name KServe gives the storage initializer.</summary>
    public const string ContainerName = "storage-initializer";

    /// <summary>Checks the model; null when it is there (or not checkable), else the failure line the initializer prints.</summary>
    public static async Task<string?> CheckAsync(string storageUri, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken) =>
        await CheckAsync(storageUri, environment, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Checks the model; null when it is there (or not checkable), else the failure line the initializer prints.
    /// With a <paramref name="framework"/> (the predictor's: <c>tensorflow</c>, <c>pytorch</c>), also that the model is
    /// in the layout that framework's model server loads (<see cref="ModelArtefact.CheckLayoutAsync"/>): on a real node
    /// the copy succeeds and the model server then fails to load it; here the pod fails at the same point, before the
    /// predictor is Ready.</summary>
    public static async Task<string?> CheckAsync(string storageUri, IReadOnlyDictionary<string, string> environment, string? framework, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storageUri);
        ArgumentNullException.ThrowIfNull(environment);
        if (!storageUri.StartsWith("s3://", StringComparison.Ordinal))
        {
            return null;
        }

        var path = storageUri["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var key = slash < 0 ? string.Empty : path[(slash + 1)..];
        var endpoint = ModelArtefact.Endpoint(environment);
        if (string.IsNullOrEmpty(endpoint))
        {
            return $"RuntimeError: Failed to fetch model. No S3 endpoint is configured for {storageUri} (the service account's Secret has no serving.kserve.io/s3-endpoint annotation)";
        }

        // kserve_storage.py get_S3_config: "true" == S3_USER_VIRTUAL_BUCKET.lower() makes boto3 address the bucket by
        // host name (bucket.host), which for an IP address or localhost resolves nowhere.
        if (string.Equals(environment.GetValueOrDefault("S3_USER_VIRTUAL_BUCKET"), "true", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri)
            && (System.Net.IPAddress.TryParse(endpointUri.Host, out _) || endpointUri.Host == "localhost"))
        {
            return $"RuntimeError: Failed to fetch model from {storageUri}: Could not connect to the endpoint URL: \"{endpointUri.Scheme}://{bucket}.{endpointUri.Authority}/{key}\"";
        }

        try
        {
            using var store = new S3ObjectStore(
                endpoint,
                environment.GetValueOrDefault("AWS_ACCESS_KEY_ID"),
                environment.GetValueOrDefault("AWS_SECRET_ACCESS_KEY"),
                ModelArtefact.Region(environment));
            if (!await store.ExistsAsObjectOrPrefixAsync(bucket, key, cancellationToken).ConfigureAwait(false))
            {
                return $"RuntimeError: Failed to fetch model. No model found in {storageUri}.";
            }

            return framework is null ? null : await ModelArtefact.CheckLayoutAsync(store, framework, storageUri, cancellationToken).ConfigureAwait(false);
        }
        catch (S3Exception e)
        {
            return $"RuntimeError: Failed to fetch model from {storageUri}: {e.Message}";
        }
    }
}
