using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;
using Kaptain.LocalCluster.Operators;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// What KServe's pod webhook adds for a predictor's <c>storageUri</c>: the <c>storage-initializer</c> init container
/// with the S3 credentials and endpoint of the first Secret of the predictor's service account that holds
/// <c>AWS_ACCESS_KEY_ID</c> (endpoint, https and region from its <c>serving.kserve.io/s3-*</c> annotations).
/// </summary>
internal static class KServeStorage
{
    /// <summary>The annotation KServe puts on the predictor's pod template with the model's URI.</summary>
    public const string SourceUriAnnotation = "serving.kserve.io/storage-initializer-sourceuri";

    private static readonly string[] AnnotationPrefixes = ["serving.kserve.io/", "serving.kubeflow.org/"];

    /// <summary>
    /// Makes sure the predictor's service account and the Secrets it names are in the caches <see cref="InitContainer"/>
    /// reads, reading them from the server when they are not there yet: a user creates them just before the
    /// InferenceService, and their watch events may not have arrived when it is reconciled. Without this the predictor
    /// came up with no storage initializer at all, and so with no check of the model. KServe's pod webhook reads the
    /// service account and its Secrets when it builds the pod (pkg/webhook/admission/pod, credentials builder).
    /// </summary>
    public static async Task LoadCredentialsAsync(IClusterApi store, string ns, string? serviceAccountName, CancellationToken cancellationToken)
    {
        var name = serviceAccountName ?? "default";
        var account = store.TryGet(BuiltInResources.ServiceAccount, ns, name)
            ?? await store.ReadAsync(BuiltInResources.ServiceAccount, ns, name, cancellationToken).ConfigureAwait(false);
        foreach (var reference in account?["secrets"] as JsonArray ?? [])
        {
            if (ObjectFields.Text(reference?["name"]) is { } secretName && store.TryGet(BuiltInResources.Secret, ns, secretName) is null)
            {
                await store.ReadAsync(BuiltInResources.Secret, ns, secretName, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The init container for <paramref name="storageUri"/>, or null when the service account names no S3
    /// credentials (then the local cluster does not check the model).</summary>
    public static JsonObject? InitContainer(IClusterApi store, string ns, string? serviceAccountName, string storageUri)
    {
        if (!storageUri.StartsWith("s3://", StringComparison.Ordinal))
        {
            return null;
        }

        var account = store.TryGet(BuiltInResources.ServiceAccount, ns, serviceAccountName ?? "default");
        foreach (var reference in account?["secrets"] as JsonArray ?? [])
        {
            var secretName = ObjectFields.Text(reference?["name"]);
            var secret = secretName is null ? null : store.TryGet(BuiltInResources.Secret, ns, secretName);
            var data = secretName is null ? null : ContainerEnvironment.SecretData(store, ns, secretName);
            if (secret is null || data is null || !data.ContainsKey("AWS_ACCESS_KEY_ID"))
            {
                continue;
            }

            var annotations = ObjectFields.Annotations(secret);
            string? Annotation(string name) => AnnotationPrefixes.Select(p => annotations.GetValueOrDefault(p + name)).FirstOrDefault(v => v is not null);
            var env = new JsonArray(
                SecretEnv("AWS_ACCESS_KEY_ID", secretName!),
                SecretEnv("AWS_SECRET_ACCESS_KEY", secretName!));
            if (Annotation("s3-endpoint") is { } endpoint)
            {
                var https = Annotation("s3-usehttps") ?? "1";
                env.Add(Literal("S3_ENDPOINT", endpoint));
                env.Add(Literal("S3_USE_HTTPS", https));
                env.Add(Literal("AWS_ENDPOINT_URL", endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : $"{(https == "0" ? "http" : "https")}://{endpoint}"));
            }

            if (Annotation("s3-region") is { } region)
            {
                env.Add(Literal("AWS_REGION", region));
            }

            // kserve pkg/credentials/s3/utils.go BuildS3EnvVars: s3-usevirtualbucket becomes S3_USER_VIRTUAL_BUCKET (sic).
            if (Annotation("s3-usevirtualbucket") is { } virtualBucket)
            {
                env.Add(Literal("S3_USER_VIRTUAL_BUCKET", virtualBucket));
            }

            if (Annotation("s3-verifyssl") is { } verify)
            {
                env.Add(Literal("S3_VERIFY_SSL", verify));
            }

            return new JsonObject
            {
                ["name"] = StorageInitializer.ContainerName,
                ["image"] = "kserve/storage-initializer:v0.14.1",
                ["args"] = new JsonArray(storageUri, "/mnt/models"),
                ["env"] = env,
            };
        }

        return null;
    }

    private static JsonObject Literal(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private static JsonObject SecretEnv(string name, string secret) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = name } },
    };
}
