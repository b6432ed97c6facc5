using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// The trained model as the model servers KServe runs load it, and its simulation: the primary replica of a simulated
/// training job writes a small placeholder in that layout to <c>KAPTAIN_MODEL_URI</c> through the S3 API with the
/// credentials of its environment (as the sample training scripts do with boto3), and the simulated storage
/// initializer checks the layout before the predictor starts (as the model server's load would fail).
/// <list type="bullet">
/// <item>TensorFlow (TF Serving): a SavedModel under a numeric version folder, <c>{uri}/{version}/saved_model.pb</c>
/// with <c>variables/</c> (https://www.tensorflow.org/tfx/serving/serving_basic: TF Serving serves the highest numeric
/// version folder and ignores other names).</item>
/// <item>PyTorch (KServe's default PyTorch runtime, TorchServe): the model-store layout
/// <c>{uri}/config/config.properties</c> and <c>{uri}/model-store/{name}.mar</c>
/// (https://kserve.github.io/website/0.12/modelserving/v1beta1/torchserve/).</item>
/// </list>
/// </summary>
internal static partial class ModelArtefact
{
    /// <summary>The variable with the URI the trained model goes to.</summary>
    public const string ModelUriVariable = "KAPTAIN_MODEL_URI";

    /// <summary>The variable with the model's name (the TorchServe model and archive name).</summary>
    public const string ModelNameVariable = "KAPTAIN_MODEL_NAME";

    /// <summary>
    /// Writes the placeholder model of <paramref name="framework"/> (<c>tensorflow</c> or <c>pytorch</c>); null when
    /// written, else the error line the training script would end with. Without <c>KAPTAIN_MODEL_URI</c> nothing is
    /// written (not a Kaptain training job). <paramref name="accepted"/> are the object store's credentials (access key
    /// to secret key); empty accepts any non-empty pair.
    /// </summary>
    public static async Task<string?> WriteAsync(
        string framework,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string> accepted,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(accepted);
        if (environment.GetValueOrDefault(ModelUriVariable) is not { Length: > 0 } uri)
        {
            return null;
        }

        if (!TryParse(uri, out var bucket, out var prefix))
        {
            return $"ValueError: {ModelUriVariable} '{uri}' is not an s3://bucket/path URI";
        }

        var accessKey = environment.GetValueOrDefault("AWS_ACCESS_KEY_ID");
        var secretKey = environment.GetValueOrDefault("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            return "botocore.exceptions.NoCredentialsError: Unable to locate credentials";
        }

        // s3rver checks no signature; a real S3 refuses an unknown key or a wrong secret, so the stand-in does.
        if (accepted.Count > 0 && !accepted.ContainsKey(accessKey))
        {
            return "botocore.exceptions.ClientError: An error occurred (InvalidAccessKeyId) when calling the PutObject operation: The AWS Access Key Id you provided does not exist in our records.";
        }

        if (accepted.Count > 0 && accepted[accessKey] != secretKey)
        {
            return "botocore.exceptions.ClientError: An error occurred (SignatureDoesNotMatch) when calling the PutObject operation: The request signature we calculated does not match the signature you provided. Check your key and signing method.";
        }

        if (Endpoint(environment) is not { } endpoint)
        {
            return "botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: \"https://s3.amazonaws.com/\" (no AWS_ENDPOINT_URL)";
        }

        try
        {
            using var store = new S3ObjectStore(endpoint, accessKey, secretKey, Region(environment));
            foreach (var (key, content) in Files(framework, prefix, environment.GetValueOrDefault(ModelNameVariable) ?? "model", now))
            {
                await store.WriteAsync(bucket, key, content, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (S3Exception e)
        {
            return $"botocore.exceptions.ClientError: An error occurred ({e.Code}) when calling the PutObject operation: {e.Message}";
        }
    }

    /// <summary>
    /// Checks that <paramref name="storageUri"/> holds a model in the layout <paramref name="framework"/>'s model
    /// server loads; null when it does (or the framework has no layout to check), else the reason the server would give.
    /// </summary>
    public static async Task<string?> CheckLayoutAsync(S3ObjectStore store, string framework, string storageUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!TryParse(storageUri, out var bucket, out var prefix) || framework is not ("tensorflow" or "pytorch"))
        {
            return null;
        }

        var folder = prefix.Length == 0 ? string.Empty : prefix + "/";
        var keys = await store.ListKeysAsync(bucket, folder, cancellationToken).ConfigureAwait(false);
        var relative = keys.Select(k => k[folder.Length..]).ToList();
        if (framework == "tensorflow")
        {
            return relative.Any(k => SavedModelKey().IsMatch(k))
                ? null
                : $"RuntimeError: No versions of servable found under base path /mnt/models: {storageUri} has no <version>/saved_model.pb (a SavedModel under a numeric version folder)";
        }

        if (!relative.Contains("config/config.properties"))
        {
            return $"RuntimeError: TorchServe cannot start: {storageUri} has no config/config.properties (the KServe TorchServe model-store layout)";
        }

        return relative.Any(k => k.StartsWith("model-store/", StringComparison.Ordinal) && k.EndsWith(".mar", StringComparison.Ordinal))
            ? null
            : $"RuntimeError: TorchServe found no model archive: {storageUri} has no model-store/*.mar";
    }

    /// <summary>The S3 endpoint URL of a workload's environment: <c>AWS_ENDPOINT_URL</c>, else <c>S3_ENDPOINT</c> with
    /// <c>S3_USE_HTTPS</c> (KServe's names); null when neither is set.</summary>
    public static string? Endpoint(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var endpoint = environment.GetValueOrDefault("AWS_ENDPOINT_URL");
        if (string.IsNullOrEmpty(endpoint) && environment.GetValueOrDefault("S3_ENDPOINT") is { Length: > 0 } host)
        {
            var https = environment.GetValueOrDefault("S3_USE_HTTPS") is not ("0" or "false");
            endpoint = host.Contains("://", StringComparison.Ordinal) ? host : $"{(https ? "https" : "http")}://{host}";
        }

        return string.IsNullOrEmpty(endpoint) ? null : endpoint;
    }

    /// <summary>The region of a workload's environment: <c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>, else <c>us-east-1</c>.</summary>
    public static string Region(IReadOnlyDictionary<string, string> environment) =>
        environment.GetValueOrDefault("AWS_REGION") is { Length: > 0 } region ? region
        : environment.GetValueOrDefault("AWS_DEFAULT_REGION") is { Length: > 0 } fallback ? fallback
        : "us-east-1";

    /// <summary>Splits <c>s3://bucket/path</c>; the path without a leading or trailing '/'.</summary>
    public static bool TryParse(string uri, out string bucket, out string prefix)
    {
        bucket = prefix = string.Empty;
        if (!uri.StartsWith("s3://", StringComparison.Ordinal))
        {
            return false;
        }

        var path = uri["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        bucket = slash < 0 ? path : path[..slash];
        prefix = slash < 0 ? string.Empty : path[(slash + 1)..].Trim('/');
        return bucket.Length > 0;
    }

    private static IEnumerable<(string Key, byte[] Content)> Files(string framework, string prefix, string name, DateTimeOffset now)
    {
        var folder = prefix.Length == 0 ? string.Empty : prefix + "/";
        if (framework == "tensorflow")
        {
            // The version folder is the time of training, as the sample script names it: a newer model serves next.
            var version = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            yield return ($"{folder}{version}/saved_model.pb", Encoding.UTF8.GetBytes("placeholder SavedModel written by the local cluster's simulated training\n"));
            yield return ($"{folder}{version}/variables/variables.index", Encoding.UTF8.GetBytes("placeholder\n"));
            yield return ($"{folder}{version}/variables/variables.data-00000-of-00001", Encoding.UTF8.GetBytes("placeholder\n"));
            yield break;
        }

        yield return ($"{folder}config/config.properties", Encoding.UTF8.GetBytes(string.Join('\n',
            "inference_address=http://0.0.0.0:8085",
            "management_address=http://0.0.0.0:8085",
            "metrics_address=http://0.0.0.0:8082",
            "enable_envvars_config=true",
            "install_py_dep_per_model=true",
            "model_store=/mnt/models/model-store",
            $"model_snapshot={{\"name\":\"startup.cfg\",\"modelCount\":1,\"models\":{{\"{name}\":{{\"1.0\":{{\"defaultVersion\":true,\"marName\":\"{name}.mar\",\"minWorkers\":1,\"maxWorkers\":1,\"batchSize\":1,\"maxBatchDelay\":10,\"responseTimeout\":120}}}}}}}}",
            string.Empty)));
        yield return ($"{folder}model-store/{name}.mar", Archive(name));
    }

    // A model archive is a zip with MAR-INF/MANIFEST.json (what torch-model-archiver writes).
    private static byte[] Archive(string name)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string path, string text)
            {
                using var writer = new StreamWriter(zip.CreateEntry(path).Open(), Encoding.UTF8);
                writer.Write(text);
            }

            Add("MAR-INF/MANIFEST.json", $"{{\"runtime\":\"python\",\"model\":{{\"modelName\":\"{name}\",\"serializedFile\":\"model.pt\",\"handler\":\"handler.py\",\"modelVersion\":\"1.0\"}},\"archiverVersion\":\"local-cluster\"}}");
            Add("model.pt", "placeholder TorchScript model written by the local cluster's simulated training\n");
            Add("handler.py", "# placeholder handler\n");
        }

        return buffer.ToArray();
    }

    [GeneratedRegex(@"^\d+/saved_model\.pb$")]
    private static partial Regex SavedModelKey();
}
