using System.Text;
using k8s;
using k8s.Models;
using Kaptain.Build.Model;
using static Kaptain.Build.Manifests.ManifestConventions;

namespace Kaptain.Build.Manifests;

/// <summary>
/// The build step's resources (Contract 3): the docker config Secret, the S3 credentials Secret, the registry CA Secret
/// (when a CA file is given) and the Kaniko Job that builds the image from the context object in S3.
/// </summary>
public static class BuildJobManifest
{
    /// <summary>The Kaniko container's name.</summary>
    public const string ContainerName = "kaniko";

    /// <summary>Where Kaniko reads the docker config (<c>config.json</c>) from.</summary>
    public const string DockerConfigDirectory = "/kaniko/.docker";

    /// <summary>Where the registry CA certificate is mounted.</summary>
    public const string RegistryCaPath = "/kaniko/ssl/certs/registry-ca.crt";

    /// <summary>The key of the S3 access key id in the S3 Secret.</summary>
    public const string AccessKeyIdKey = S3CredentialsSecret.AccessKeyIdKey;

    /// <summary>The key of the S3 secret access key in the S3 Secret.</summary>
    public const string SecretAccessKeyKey = S3CredentialsSecret.SecretAccessKeyKey;

    /// <summary>The key of the S3 session token in the S3 Secret, present when the credentials are temporary.</summary>
    public const string SessionTokenKey = S3CredentialsSecret.SessionTokenKey;

    /// <summary>The resources of the build step, in creation order.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Create(ModelDefinition model, RunContext run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(run);
        const LifecycleStep step = LifecycleStep.BuildImage;
        var dockerSecret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = Metadata(model, step, run, PerRunName(model, step, run, "docker")),
            Type = "kubernetes.io/dockerconfigjson",
            // Rendered without credentials, the value is still the docker config structure an API server accepts.
            Data = new Dictionary<string, byte[]>
            {
                [".dockerconfigjson"] = Value(run.Secrets?.DockerConfigJson ?? ManifestYamlWriter.RedactDockerConfig(
                    new System.Text.Json.Nodes.JsonObject
                    {
                        ["auths"] = new System.Text.Json.Nodes.JsonObject { [run.Image.Domain ?? model.Registry.Host] = new System.Text.Json.Nodes.JsonObject { ["auth"] = string.Empty } },
                    }.ToJsonString())),
            },
        };
        var s3Secret = S3Secret(model, step, run);
        var resources = new List<IKubernetesObject<V1ObjectMeta>> { dockerSecret, s3Secret };
        V1Secret? caSecret = null;
        if (model.Registry.CaFile is not null)
        {
            caSecret = new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Metadata = Metadata(model, step, run, PerRunName(model, step, run, "ca")),
                Type = "Opaque",
                Data = new Dictionary<string, byte[]> { ["ca.crt"] = Value(run.Secrets?.RegistryCaCertificate) },
            };
            resources.Add(caSecret);
        }

        resources.Add(Job(model, run, dockerSecret.Metadata.Name, s3Secret.Metadata.Name, caSecret?.Metadata.Name));
        return resources;
    }

    /// <summary>The Secret with the S3 credentials (see <see cref="S3CredentialsSecret.Create"/>).</summary>
    internal static V1Secret S3Secret(ModelDefinition model, LifecycleStep step, RunContext run, IDictionary<string, string>? annotations = null) =>
        S3CredentialsSecret.Create(model, step, run, annotations);

    /// <summary>The name of <paramref name="step"/>'s S3 Secret: <c>{model-name}-{step-short}-{run-id}-s3</c>.</summary>
    internal static string S3SecretName(ModelDefinition model, LifecycleStep step, RunContext run) => PerRunName(model, step, run, "s3");

    private static byte[] Value(string? value) => Encoding.UTF8.GetBytes(value ?? SecretValues.Redacted);

    private static V1Job Job(ModelDefinition model, RunContext run, string dockerSecret, string s3Secret, string? caSecret)
    {
        const LifecycleStep step = LifecycleStep.BuildImage;
        var args = new List<string>
        {
            "--dockerfile=" + Context.BuildContext.DockerfileName,
            $"--context=s3://{model.Storage.Bucket}/{run.ContextObjectKey}",
            "--destination=" + run.Image,
            "--digest-file=/dev/termination-log",
        };
        if (model.Registry.Insecure)
        {
            args.Add("--insecure");
            args.Add("--skip-tls-verify");
        }

        // Kaniko's layer cache (https://github.com/GoogleContainerTools/kaniko#caching, pkg/config/options.go): off unless
        // asked for; without --cache-repo Kaniko caches in the destination's repository + "/cache".
        if (model.Builder.Cache)
        {
            args.Add("--cache=true");
            if (model.Builder.CacheRepository is { } cacheRepository)
            {
                args.Add("--cache-repo=" + cacheRepository);
            }

            if (model.Builder.CacheTtl is { } cacheTtl)
            {
                args.Add("--cache-ttl=" + cacheTtl);
            }
        }

        var mounts = new List<V1VolumeMount> { new() { Name = "docker-config", MountPath = DockerConfigDirectory, ReadOnlyProperty = true } };
        var volumes = new List<V1Volume>
        {
            new()
            {
                Name = "docker-config",
                Secret = new V1SecretVolumeSource
                {
                    SecretName = dockerSecret,
                    Items = [new V1KeyToPath { Key = ".dockerconfigjson", Path = "config.json" }],
                },
            },
        };
        if (caSecret is not null)
        {
            args.Add($"--registry-certificate={run.Image.Domain ?? model.Registry.Host}={RegistryCaPath}");

            // A subPath mount adds the one file; mounting the directory would hide Kaniko's own CA bundle there.
            mounts.Add(new V1VolumeMount { Name = "registry-ca", MountPath = RegistryCaPath, SubPath = "registry-ca.crt", ReadOnlyProperty = true });
            volumes.Add(new V1Volume
            {
                Name = "registry-ca",
                Secret = new V1SecretVolumeSource { SecretName = caSecret, Items = [new V1KeyToPath { Key = "ca.crt", Path = "registry-ca.crt" }] },
            });
        }

        var container = new V1Container
        {
            Name = ContainerName,
            Image = model.Builder.Image,
            Args = args,
            // Kaniko's S3 client gets the endpoint and addressing our upload used: kaniko pkg/buildcontext/s3.go reads
            // S3_ENDPOINT and S3_FORCE_PATH_STYLE (== "true"); aws-sdk-go-v2's LoadDefaultConfig there reads AWS_REGION and
            // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
            Env =
            [
                new V1EnvVar { Name = "S3_ENDPOINT", Value = model.Storage.ClientEndpoint.GetLeftPart(UriPartial.Authority) },
                new V1EnvVar { Name = "S3_FORCE_PATH_STYLE", Value = model.Storage.PathStyle ? "true" : "false" },
                new V1EnvVar { Name = "AWS_REGION", Value = model.Storage.Region },
                .. S3CredentialsSecret.Environment(s3Secret),
            ],
            Resources = Resources(model.Builder.Resources),
            VolumeMounts = mounts,
            // Kaniko writes the digest to /dev/termination-log on success only; when it fails the file is empty and
            // the kubelet takes the message from the tail of the container's log instead (at most the last 80 lines,
            // 2048 bytes: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go, getTerminationMessage and
            // readLastStringFromContainerLogs), so Kaniko's error line reaches the pod's status where the log stream
            // does not (pods/log refused, the node's kubelet unreachable).
            TerminationMessagePolicy = "FallbackToLogsOnError",
        };
        var labels = ManifestLabels.For(model, step, run.RunId);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = Metadata(model, step, run, PerRunName(model, step, run)),
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)model.Builder.Timeout.TotalSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = labels,
                        // The model's annotations too: the pods carry its label, and the sweep leaves an object with the
                        // label but without the model-id annotation alone as someone else's (KAPT4011).
                        Annotations = new Dictionary<string, string>(ManifestLabels.Annotations(model)) { [ManifestLabels.IstioInject] = "false" },
                    },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        Containers = [container],
                        Volumes = volumes,
                    },
                },
            },
        };
    }
}
