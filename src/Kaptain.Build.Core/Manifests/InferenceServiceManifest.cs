using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Build.Model;
using static Kaptain.Build.Manifests.ManifestConventions;

namespace Kaptain.Build.Manifests;

/// <summary>
/// The publish step's resources: the S3 credentials Secret (annotated for KServe's storage initializer), a
/// ServiceAccount that references it, and the InferenceService (<c>serving.kserve.io/v1beta1</c> or the legacy
/// <c>serving.kubeflow.org/v1beta1</c>) named after the model, with the framework's predictor.
/// </summary>
public static class InferenceServiceManifest
{
    /// <summary>The kind.</summary>
    public const string Kind = "InferenceService";

    /// <summary>The annotation that selects KServe's deployment mode.</summary>
    public const string DeploymentModeAnnotation = "serving.kserve.io/deploymentMode";

    /// <summary>The resources of the publish step, in creation order.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Create(ModelDefinition model, RunContext run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(run);
        const LifecycleStep step = LifecycleStep.Publish;
        var group = model.Publish.ApiGroup;
        var endpoint = model.Storage.ClientEndpoint;

        // KServe turns these annotations into the storage initializer's environment (kserve pkg/credentials/s3/utils.go
        // BuildS3EnvVars: s3-usevirtualbucket becomes S3_USER_VIRTUAL_BUCKET, which python/storage kserve_storage.py
        // reads as "true" == value.lower() for boto3's addressing_style "virtual"; KFServing has the same annotation
        // since kserve#1132). Only the key id and the secret key are read from the Secret's data (BuildSecretEnvs).
        var secret = S3CredentialsSecret.Create(model, step, run, new Dictionary<string, string>
        {
            [$"{group}/s3-endpoint"] = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}",
            [$"{group}/s3-usehttps"] = endpoint.Scheme == Uri.UriSchemeHttps ? "1" : "0",
            [$"{group}/s3-region"] = model.Storage.Region,
            [$"{group}/s3-usevirtualbucket"] = model.Storage.PathStyle ? "false" : "true",
        });
        var serviceAccount = new V1ServiceAccount
        {
            ApiVersion = "v1",
            Kind = "ServiceAccount",
            Metadata = Metadata(model, step, run, PerRunName(model, step, run)),
            Secrets = [new V1ObjectReference { Name = secret.Metadata.Name }],
        };
        return [secret, serviceAccount, InferenceService(model, run, serviceAccount.Metadata.Name)];
    }

    private static CustomResource InferenceService(ModelDefinition model, RunContext run, string serviceAccount)
    {
        var publish = model.Publish;
        var legacy = publish.ApiGroup == PublishSettings.LegacyApiGroup;
        var metadata = Metadata(model, LifecycleStep.Publish, run, model.Name);
        if (publish.DeploymentMode == DeploymentMode.RawDeployment)
        {
            metadata.Annotations[DeploymentModeAnnotation] = "RawDeployment";
        }

        var framework = new JsonObject { ["storageUri"] = publish.ModelUri };
        if (Resources(publish.Resources) is { } resources)
        {
            framework["resources"] = ToJson(resources);
        }

        if (model.Environment.Count > 0)
        {
            framework["env"] = ToJson(Environment(model.Environment));
        }

        var predictor = new JsonObject { ["serviceAccountName"] = serviceAccount };
        if (publish.MinReplicas is { } min)
        {
            predictor["minReplicas"] = min;
        }

        if (publish.MaxReplicas is { } max)
        {
            predictor["maxReplicas"] = max;
        }

        if (legacy)
        {
            // KFServing has no scaleTarget; it passes Knative's annotation through.
            metadata.Annotations["autoscaling.knative.dev/target"] = publish.AutoscalingTarget.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            predictor["scaleTarget"] = publish.AutoscalingTarget;
            predictor["scaleMetric"] = "concurrency";
        }

        if (publish.CanaryTrafficPercent is { } canary)
        {
            predictor["canaryTrafficPercent"] = canary;
        }

        predictor[model.Framework == ModelFramework.TensorFlow ? "tensorflow" : "pytorch"] = framework;
        return new CustomResource(publish.ApiGroup + "/v1beta1", Kind, metadata, new JsonObject { ["predictor"] = predictor });
    }
}
