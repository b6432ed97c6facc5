using System.IO.Compression;
using System.Text;

namespace Kaptain.Testing;

/// <summary>
/// A small model in the layout the framework's KServe predictor loads, for tests that publish without training: for
/// TensorFlow a SavedModel under a numeric version folder (<c>{prefix}/1/saved_model.pb</c>, <c>variables/</c>), for
/// PyTorch TorchServe's model store (<c>{prefix}/config/config.properties</c>, <c>{prefix}/model-store/{name}.mar</c>).
/// </summary>
public static class ServableModel
{
    /// <summary>Creates <paramref name="bucket"/> (when missing) and writes the model under <paramref name="prefix"/>;
    /// returns its storage URI, <c>s3://{bucket}/{prefix}</c>.</summary>
    /// <param name="s3">The object store.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="prefix">The folder (no leading or trailing '/').</param>
    /// <param name="framework"><c>tensorflow</c> or <c>pytorch</c>.</param>
    /// <param name="name">The model name (the TorchServe archive's).</param>
    /// <param name="cancellationToken">Stops writing.</param>
    public static async Task<string> PutAsync(S3Server s3, string bucket, string prefix, string framework, string name = "model", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(s3);
        if (!await s3.BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false))
        {
            await s3.CreateBucketAsync(bucket, cancellationToken).ConfigureAwait(false);
        }

        if (framework == "tensorflow")
        {
            await s3.PutObjectAsync(bucket, $"{prefix}/1/saved_model.pb", Encoding.UTF8.GetBytes("saved model"), cancellationToken).ConfigureAwait(false);
            await s3.PutObjectAsync(bucket, $"{prefix}/1/variables/variables.index", Encoding.UTF8.GetBytes("index"), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await s3.PutObjectAsync(bucket, $"{prefix}/config/config.properties", Encoding.UTF8.GetBytes("model_store=/mnt/models/model-store\n"), cancellationToken).ConfigureAwait(false);
            using var archive = new MemoryStream();
            using (var zip = new ZipArchive(archive, ZipArchiveMode.Create, leaveOpen: true))
            {
                using var writer = new StreamWriter(zip.CreateEntry("MAR-INF/MANIFEST.json").Open());
                await writer.WriteAsync($"{{\"model\":{{\"modelName\":\"{name}\"}}}}").ConfigureAwait(false);
            }

            await s3.PutObjectAsync(bucket, $"{prefix}/model-store/{name}.mar", archive.ToArray(), cancellationToken).ConfigureAwait(false);
        }

        return $"s3://{bucket}/{prefix}";
    }

    /// <summary>The keys under <paramref name="prefix"/> (a plain ListObjectsV2 request read here: Minio 7.0.0 reads
    /// s3rver's listings as empty).</summary>
    public static async Task<IReadOnlyList<string>> ListKeysAsync(S3Server s3, string bucket, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(s3);
        using var http = new HttpClient();
        var xml = await http.GetStringAsync(new Uri(s3.Endpoint, $"/{Uri.EscapeDataString(bucket)}?list-type=2&prefix={Uri.EscapeDataString(prefix)}"), cancellationToken).ConfigureAwait(false);
        return [.. System.Xml.Linq.XDocument.Parse(xml).Descendants().Where(e => e.Name.LocalName == "Key").Select(e => e.Value)];
    }
}
