using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.Build.Storage;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The credential values a step puts into the Secrets it creates, and the object store they open. Resolved before
/// anything is created, so missing credentials fail the step with nothing to clean up. The values are never logged.
/// </summary>
internal static class StepCredentials
{
    /// <summary>An empty docker config: Kaniko pushes anonymously when the docker config has no entry for the registry.</summary>
    private const string AnonymousDockerConfig = "{\"auths\":{}}";

    /// <summary>The docker config the model names (<c>KaptainDockerConfig</c>), else <c>DOCKER_CONFIG</c>, else <c>~/.docker/config.json</c>.</summary>
    public static Task<DockerConfig> DockerConfigAsync(LifecycleRun run, CancellationToken cancellationToken) =>
        DockerConfig.LoadAsync(run.Environment, run.Model.Registry.DockerConfigFile, cancellationToken);

    /// <summary>The S3 credentials (<c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c> or the credentials file).</summary>
    public static Task<S3Credentials> S3Async(LifecycleRun run, CancellationToken cancellationToken) =>
        S3CredentialResolver.ResolveAsync(run.Environment, cancellationToken);

    /// <summary>The values of the build step's Secrets: S3, the docker config for the model's registry, the CA when given.</summary>
    public static async Task<SecretValues> ForBuildAsync(
        LifecycleRun run, S3Credentials s3, DockerConfig dockerConfig, CancellationToken cancellationToken)
    {
        var registry = run.Model.Image.Domain ?? run.Model.Registry.Host;
        var credentials = await dockerConfig.GetCredentialsAsync(registry, cancellationToken).ConfigureAwait(false);
        string? ca = null;
        if (run.Model.Registry.CaFile is { } caFile)
        {
            try
            {
                ca = await File.ReadAllTextAsync(caFile, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT3201", caFile, caFile, exception.Message), exception);
            }
        }

        var s3Values = S3SecretValues(run, s3, LifecycleStep.BuildImage, "Kaniko's build context download");
        return new SecretValues
        {
            S3AccessKeyId = s3Values.S3AccessKeyId,
            S3SecretAccessKey = s3Values.S3SecretAccessKey,
            S3SessionToken = s3Values.S3SessionToken,
            DockerConfigJson = credentials?.ToDockerConfigJson(registry).Reveal() ?? AnonymousDockerConfig,
            RegistryCaCertificate = ca,
        };
    }

    /// <summary>The values of the publish step's S3 Secret.</summary>
    public static async Task<SecretValues> ForPublishAsync(LifecycleRun run, CancellationToken cancellationToken)
    {
        var s3 = await S3Async(run, cancellationToken).ConfigureAwait(false);
        var values = S3SecretValues(run, s3, LifecycleStep.Publish, "KServe's storage initializer");
        if (s3.SessionToken is not null)
        {
            run.Warn(KaptainDiagnostic.Warning("KAPT5056", S3SecretName(run, LifecycleStep.Publish), s3.Source, S3SecretName(run, LifecycleStep.Publish), run.Model.Publish.ModelUri));
        }

        return values;
    }

    /// <summary>
    /// The S3 part of a step's Secret values (<see cref="S3CredentialsSecret"/> renders them): the key id, the secret key
    /// and the session token of temporary credentials. Temporary credentials copied into a Secret expire there, which
    /// the user is told once per Secret (<c>KAPT5055</c>) with what to do.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="s3">The credentials (<see cref="S3Async"/>).</param>
    /// <param name="step">The step whose Secret <c>{model}-{step}-{run}-s3</c> gets them.</param>
    /// <param name="consumer">Who reads them from the Secret, for the warning: "the training job".</param>
    public static SecretValues S3SecretValues(LifecycleRun run, S3Credentials s3, LifecycleStep step, string consumer)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(s3);
        if (s3.SessionToken is not null)
        {
            var secret = S3SecretName(run, step);
            run.Warn(KaptainDiagnostic.Warning("KAPT5055", secret, s3.Source, secret, consumer));
        }

        return new SecretValues
        {
            S3AccessKeyId = s3.AccessKeyId,
            S3SecretAccessKey = s3.SecretAccessKey.Reveal(),
            S3SessionToken = s3.SessionToken?.Reveal(),
        };
    }

    /// <summary>
    /// The values of the train or tune step's S3 Secret: the build's credentials, with the session token of temporary
    /// ones, for the training script's upload of the trained model. The bucket of <c>KaptainModelUri</c> is created
    /// when it is missing, as the build step does for its context's bucket: a script's upload to a missing bucket fails
    /// with NoSuchBucket after the whole training. The bucket stays (it holds the model KaptainPublish serves).
    /// </summary>
    public static async Task<SecretValues> ForTrainingAsync(LifecycleRun run, LifecycleStep step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var s3 = await S3Async(run, cancellationToken).ConfigureAwait(false);
        if (Uri.TryCreate(run.Model.Publish.ModelUri, UriKind.Absolute, out var modelUri) && modelUri.Scheme == "s3" && modelUri.Host.Length > 0)
        {
            await ObjectStore(run, s3).EnsureBucketAsync(modelUri.Host, cancellationToken).ConfigureAwait(false);
        }

        return S3SecretValues(run, s3, step, step == LifecycleStep.Tune ? "the trials' training jobs" : "the training job");
    }

    private static string S3SecretName(LifecycleRun run, LifecycleStep step) => $"{run.Model.Name}-{step.ShortName()}-{run.RunId}-s3";

    /// <summary>The model's object store.</summary>
    public static S3ObjectStore ObjectStore(LifecycleRun run, S3Credentials s3) => new(new ObjectStoreOptions
    {
        Endpoint = S3Endpoint.Parse(run.Model.Storage.EndpointUrl),
        Credentials = s3,
        Region = run.Model.Storage.Region,
        PathStyle = run.Model.Storage.PathStyle,
    });
}
