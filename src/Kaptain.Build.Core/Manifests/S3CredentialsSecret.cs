using System.Text;
using k8s.Models;
using Kaptain.Build.Model;
using static Kaptain.Build.Manifests.ManifestConventions;

namespace Kaptain.Build.Manifests;

/// <summary>
/// The one rendering of S3 credentials into a Secret and into a container's environment, for every step that gives a
/// pod access to the object store (Kaniko, training, KServe's storage initializer). The keys are the variable names
/// the AWS SDKs, boto3 and the AWS CLI read (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>AWS_SESSION_TOKEN</c>), so a Secret's key and the variable it becomes are the same name.
/// </summary>
public static class S3CredentialsSecret
{
    /// <summary>The key (and variable) of the access key id.</summary>
    public const string AccessKeyIdKey = "AWS_ACCESS_KEY_ID";

    /// <summary>The key (and variable) of the secret access key.</summary>
    public const string SecretAccessKeyKey = "AWS_SECRET_ACCESS_KEY";

    /// <summary>The key (and variable) of the session token of temporary credentials; present only when there is one.</summary>
    public const string SessionTokenKey = "AWS_SESSION_TOKEN";

    /// <summary>
    /// The Secret <c>{model}-{step}-{run}-s3</c> with the run's S3 credentials (<see cref="RunContext.Secrets"/>;
    /// placeholders when rendering without them). The session token's key is there only when the credentials have one.
    /// </summary>
    public static V1Secret Create(ModelDefinition model, LifecycleStep step, RunContext run, IDictionary<string, string>? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(run);
        var metadata = Metadata(model, step, run, PerRunName(model, step, run, "s3"));
        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            metadata.Annotations[key] = value;
        }

        var data = new Dictionary<string, byte[]>
        {
            [AccessKeyIdKey] = Value(run.Secrets?.S3AccessKeyId),
            [SecretAccessKeyKey] = Value(run.Secrets?.S3SecretAccessKey),
        };
        if (run.Secrets?.S3SessionToken is { Length: > 0 } token)
        {
            data[SessionTokenKey] = Value(token);
        }

        return new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = metadata, Type = "Opaque", Data = data };
    }

    /// <summary>
    /// The variables that take the credentials from <paramref name="secretName"/>. The session token's reference is
    /// optional, so the same container works with long-lived keys (no such key in the Secret) and temporary ones.
    /// </summary>
    public static IList<V1EnvVar> Environment(string secretName)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretName);
        return
        [
            Reference(AccessKeyIdKey, secretName, optional: null),
            Reference(SecretAccessKeyKey, secretName, optional: null),
            Reference(SessionTokenKey, secretName, optional: true),
        ];
    }

    private static V1EnvVar Reference(string key, string secretName, bool? optional) => new()
    {
        Name = key,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secretName, Key = key, Optional = optional } },
    };

    private static byte[] Value(string? value) => Encoding.UTF8.GetBytes(value ?? SecretValues.Redacted);
}
