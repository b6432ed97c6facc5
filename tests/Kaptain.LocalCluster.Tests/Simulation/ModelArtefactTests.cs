using Kaptain.LocalCluster.Simulation;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Simulation;

/// <summary>
/// The simulated training script's upload of the trained model (through the S3 API, with the credentials of its
/// environment, checked against the object store's as a real S3 would) and the storage initializer's layout check,
/// against a real s3rver.
/// </summary>
public sealed class ModelArtefactTests(S3Server s3) : IClassFixture<S3Server>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);

    private Dictionary<string, string> Environment(string uri, string? accessKey = null, string? secretKey = null) => new()
    {
        ["KAPTAIN_MODEL_URI"] = uri,
        ["KAPTAIN_MODEL_NAME"] = "mnist",
        ["AWS_ACCESS_KEY_ID"] = accessKey ?? s3.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = secretKey ?? s3.SecretKey,
        ["AWS_ENDPOINT_URL"] = s3.Endpoint.GetLeftPart(UriPartial.Authority),
        ["AWS_REGION"] = "us-east-1",
    };

    private Dictionary<string, string> Accepted => new() { [s3.AccessKey] = s3.SecretKey };

    [Fact]
    public async Task Tensorflow_training_writes_a_SavedModel_under_a_numeric_version_and_the_layout_check_accepts_it()
    {
        var token = TestContext.Current.CancellationToken;
        await s3.CreateBucketAsync("artefact-tf", token);

        var failure = await ModelArtefact.WriteAsync("tensorflow", Environment("s3://artefact-tf/models/mnist/0.1.0"), Accepted, Now, token);

        Assert.Null(failure);
        Assert.True(await s3.ObjectExistsAsync("artefact-tf", "models/mnist/0.1.0/1780000000/saved_model.pb", token));
        Assert.True(await s3.ObjectExistsAsync("artefact-tf", "models/mnist/0.1.0/1780000000/variables/variables.index", token));
        Assert.Null(await StorageInitializer.CheckAsync("s3://artefact-tf/models/mnist/0.1.0", Environment("unused"), "tensorflow", token));
        // The same model is not what TorchServe loads.
        Assert.Contains("config.properties", await StorageInitializer.CheckAsync("s3://artefact-tf/models/mnist/0.1.0", Environment("unused"), "pytorch", token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pytorch_training_writes_TorchServes_model_store_and_the_layout_check_accepts_it()
    {
        var token = TestContext.Current.CancellationToken;
        await s3.CreateBucketAsync("artefact-pt", token);

        var failure = await ModelArtefact.WriteAsync("pytorch", Environment("s3://artefact-pt/models/mnist"), Accepted, Now, token);

        Assert.Null(failure);
        var config = System.Text.Encoding.UTF8.GetString(await s3.GetObjectAsync("artefact-pt", "models/mnist/config/config.properties", token));
        Assert.Contains("model_store=/mnt/models/model-store", config, StringComparison.Ordinal);
        Assert.Contains("\"marName\":\"mnist.mar\"", config, StringComparison.Ordinal);
        Assert.True(await s3.ObjectExistsAsync("artefact-pt", "models/mnist/model-store/mnist.mar", token));
        Assert.Null(await StorageInitializer.CheckAsync("s3://artefact-pt/models/mnist", Environment("unused"), "pytorch", token));
        Assert.Contains("saved_model.pb", await StorageInitializer.CheckAsync("s3://artefact-pt/models/mnist", Environment("unused"), "tensorflow", token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_model_file_is_not_a_layout_any_predictor_loads()
    {
        var token = TestContext.Current.CancellationToken;
        await s3.CreateBucketAsync("artefact-flat", token);
        await s3.PutObjectAsync("artefact-flat", "models/mnist/model.pt", [1, 2, 3], token);

        var pytorch = await StorageInitializer.CheckAsync("s3://artefact-flat/models/mnist", Environment("unused"), "pytorch", token);
        var tensorflow = await StorageInitializer.CheckAsync("s3://artefact-flat/models/mnist", Environment("unused"), "tensorflow", token);

        Assert.StartsWith("RuntimeError:", pytorch, StringComparison.Ordinal);
        Assert.StartsWith("RuntimeError:", tensorflow, StringComparison.Ordinal);
        // Without a framework to load it (sklearn, a custom container), the model is only checked to be there.
        Assert.Null(await StorageInitializer.CheckAsync("s3://artefact-flat/models/mnist", Environment("unused"), null, token));
    }

    [Theory]
    [InlineData(null, "kaptain-test-secret", "NoCredentialsError")]
    [InlineData("", "", "NoCredentialsError")]
    [InlineData("someone-else", "kaptain-test-secret", "InvalidAccessKeyId")]
    [InlineData("kaptain-test", "not-the-secret", "SignatureDoesNotMatch")]
    public async Task A_missing_or_wrong_credential_fails_the_upload_and_writes_nothing(string? accessKey, string secretKey, string error)
    {
        var token = TestContext.Current.CancellationToken;
        var bucket = "artefact-bad-" + Guid.NewGuid().ToString("n")[..8];
        await s3.CreateBucketAsync(bucket, token);
        var environment = Environment($"s3://{bucket}/models/mnist", accessKey ?? "x", secretKey);
        if (accessKey is null)
        {
            environment.Remove("AWS_ACCESS_KEY_ID");
        }

        var failure = await ModelArtefact.WriteAsync("pytorch", environment, Accepted, Now, token);

        Assert.Contains(error, failure, StringComparison.Ordinal);
        Assert.False(await s3.ObjectExistsAsync(bucket, "models/mnist/config/config.properties", token));
    }

    [Fact]
    public async Task A_missing_bucket_fails_the_upload()
    {
        var failure = await ModelArtefact.WriteAsync("tensorflow", Environment("s3://artefact-nobucket/models/mnist"), Accepted, Now, TestContext.Current.CancellationToken);

        Assert.Contains("NoSuchBucket", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_that_is_not_a_Kaptain_training_job_uploads_nothing()
    {
        var environment = Environment("unused");
        environment.Remove("KAPTAIN_MODEL_URI");

        Assert.Null(await ModelArtefact.WriteAsync("pytorch", environment, Accepted, Now, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_scenario_file_names_the_object_stores_credentials()
    {
        var file = ScenarioFile.Parse("s3-credentials AKID secret-key\nPod train-* succeed after=1s\n");

        Assert.Equal("secret-key", file.S3Credentials["AKID"]);
        Assert.Equal(1, file.Count);
        Assert.Throws<ScenarioFormatException>(() => ScenarioFile.Parse("s3-credentials AKID secret extra"));
    }
}
