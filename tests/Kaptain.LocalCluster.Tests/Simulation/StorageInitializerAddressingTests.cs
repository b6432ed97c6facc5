using System.Text;
using Kaptain.LocalCluster.Simulation;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Simulation;

/// <summary>
/// The simulated storage initializer addresses the bucket as KServe's does: by path unless S3_USER_VIRTUAL_BUCKET is
/// "true" (kserve python/storage kserve_storage.py get_S3_config), which a local endpoint cannot serve.
/// </summary>
public sealed class StorageInitializerAddressingTests(S3Server s3) : IClassFixture<S3Server>
{
    [Fact]
    public async Task By_path_the_model_is_found_and_by_host_name_a_local_endpoint_fails()
    {
        var token = TestContext.Current.CancellationToken;
        await s3.CreateBucketAsync("models", token);
        await s3.PutObjectAsync("models", "dev/mnist/0.0.1/model.pt", Encoding.UTF8.GetBytes("model bytes"), token);
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = s3.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey,
            ["S3_ENDPOINT"] = $"127.0.0.1:{s3.Endpoint.Port}",
            ["S3_USE_HTTPS"] = "0",
            ["S3_USER_VIRTUAL_BUCKET"] = "false",
        };

        Assert.Null(await StorageInitializer.CheckAsync("s3://models/dev/mnist/0.0.1", environment, token));

        environment["S3_USER_VIRTUAL_BUCKET"] = "True";
        var failure = await StorageInitializer.CheckAsync("s3://models/dev/mnist/0.0.1", environment, token);
        Assert.NotNull(failure);
        Assert.Contains($"models.127.0.0.1:{s3.Endpoint.Port}", failure, StringComparison.Ordinal);
    }
}
