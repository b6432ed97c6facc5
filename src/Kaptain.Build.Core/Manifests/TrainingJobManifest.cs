using System.Text.Json.Nodes;
using k8s.Models;
using Kaptain.Build.Model;
using static Kaptain.Build.Manifests.ManifestConventions;

namespace Kaptain.Build.Manifests;

/// <summary>
/// The training job: a TFJob or PyTorchJob (<c>kubeflow.org/v1</c>) running the main file with the hyperparameters in
/// the model image. The Katib Experiment wraps the same spec as its trial template.
/// </summary>
public static class TrainingJobManifest
{
    /// <summary>The API version of TFJob and PyTorchJob.</summary>
    public const string ApiVersion = "kubeflow.org/v1";

    /// <summary>The label the training operator puts on each pod with its replica type in lower case.</summary>
    public const string ReplicaTypeLabel = "training.kubeflow.org/replica-type";

    /// <summary>The label the training operator puts on each pod with its replica index.</summary>
    public const string ReplicaIndexLabel = "training.kubeflow.org/replica-index";

    /// <summary>The variable with the URI the training script writes the trained model to (and publish serves).</summary>
    public const string ModelUriVariable = "KAPTAIN_MODEL_URI";

    /// <summary>The kind for <paramref name="framework"/>: <c>TFJob</c> or <c>PyTorchJob</c>.</summary>
    public static string Kind(ModelFramework framework) => framework == ModelFramework.TensorFlow ? "TFJob" : "PyTorchJob";

    /// <summary>The container name the operator expects for <paramref name="framework"/>: <c>tensorflow</c> or <c>pytorch</c>.</summary>
    public static string ContainerName(ModelFramework framework) => framework == ModelFramework.TensorFlow ? "tensorflow" : "pytorch";

    /// <summary>The replica type that Katib reads metrics from: PyTorch's master, TensorFlow's first worker.</summary>
    public static string PrimaryReplicaType(ModelFramework framework) => framework == ModelFramework.TensorFlow ? "Worker" : "Master";

    /// <summary>
    /// Where the trained model goes: the model URI (<c>KaptainModelUri</c>, what publish serves) for the train step; for
    /// a trial of the tune step a folder of its own under it, <c>{model-uri}/trials/{trial-name}</c>, so that parallel
    /// trials do not overwrite each other or the trained model (Katib fills in the trial's name).
    /// </summary>
    public static string TrainedModelUri(ModelDefinition model, LifecycleStep step)
    {
        ArgumentNullException.ThrowIfNull(model);
        return step == LifecycleStep.Tune
            ? $"{model.Publish.ModelUri.TrimEnd('/')}/trials/${{trialParameters.{ExperimentManifest.TrialNameParameter}}}"
            : model.Publish.ModelUri;
    }

    /// <summary>
    /// The S3 environment of a training container: the credentials from the step's S3 Secret
    /// (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c> when the credentials are
    /// temporary), and the endpoint, region and addressing style under the names boto3 and the AWS CLI read
    /// (<c>AWS_ENDPOINT_URL</c>, <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>) and the names KServe's storage code reads
    /// and its <c>s3_secret.go</c> sets (<c>S3_ENDPOINT</c>, <c>S3_USE_HTTPS</c>, <c>S3_USER_VIRTUAL_BUCKET</c>; see
    /// kserve/kserve <c>pkg/credentials/s3/s3_secret.go</c> and <c>python/kserve/kserve/storage.py</c>
    /// <c>get_S3_config</c> / <c>_download_s3</c>).
    /// </summary>
    internal static IEnumerable<V1EnvVar> S3Environment(ModelDefinition model, string secretName)
    {
        var storage = model.Storage;
        var endpoint = storage.Endpoint;
        return
        [
            .. S3CredentialsSecret.Environment(secretName),
            new V1EnvVar { Name = "AWS_ENDPOINT_URL", Value = storage.EndpointUrl },
            new V1EnvVar { Name = "S3_ENDPOINT", Value = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}" },
            new V1EnvVar { Name = "S3_USE_HTTPS", Value = endpoint.Scheme == Uri.UriSchemeHttps ? "1" : "0" },
            new V1EnvVar { Name = "AWS_REGION", Value = storage.Region },
            new V1EnvVar { Name = "AWS_DEFAULT_REGION", Value = storage.Region },
            new V1EnvVar { Name = "S3_USER_VIRTUAL_BUCKET", Value = storage.PathStyle ? "false" : "true" },
        ];
    }

    /// <summary>The training job of the train step.</summary>
    public static CustomResource Create(ModelDefinition model, RunContext run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(run);
        const LifecycleStep step = LifecycleStep.Train;
        var spec = Spec(model, run, step, Arguments(model, model.Train.Hyperparameters, []));
        var runPolicy = (JsonObject)spec["runPolicy"]!;
        runPolicy["activeDeadlineSeconds"] = (long)model.Train.Timeout.TotalSeconds;
        return new CustomResource(ApiVersion, Kind(model.Framework), Metadata(model, step, run, PerRunName(model, step, run)), spec);
    }

    /// <summary>
    /// The main file's arguments: <c>--name=value</c> for each hyperparameter (in item order), then the search
    /// parameters' <paramref name="searched"/> arguments, then the <c>KaptainTrainArgument</c> items.
    /// </summary>
    internal static List<string> Arguments(
        ModelDefinition model, IEnumerable<KeyValuePair<string, string>> hyperparameters, IEnumerable<string> searched)
    {
        var args = hyperparameters.Select(h => $"--{h.Key}={h.Value}").ToList();
        args.AddRange(searched);
        args.AddRange(model.Train.Arguments);
        return args;
    }

    /// <summary>The job spec: the replica specs for the framework and worker count, and the run policy.</summary>
    internal static JsonObject Spec(ModelDefinition model, RunContext run, LifecycleStep step, List<string> args)
    {
        var replicas = new JsonObject();
        if (model.Framework == ModelFramework.TensorFlow)
        {
            replicas["Worker"] = Replica(model, run, step, args, model.Train.Workers);
        }
        else
        {
            // torch.distributed needs exactly one master; the other replicas are workers.
            replicas["Master"] = Replica(model, run, step, args, 1);
            if (model.Train.Workers > 1)
            {
                replicas["Worker"] = Replica(model, run, step, args, model.Train.Workers - 1);
            }
        }

        var runPolicy = new JsonObject { ["cleanPodPolicy"] = "None" };
        if (model.Train.TtlSecondsAfterFinished is { } ttl)
        {
            runPolicy["ttlSecondsAfterFinished"] = ttl;
        }

        return new JsonObject
        {
            ["runPolicy"] = runPolicy,
            [model.Framework == ModelFramework.TensorFlow ? "tfReplicaSpecs" : "pytorchReplicaSpecs"] = replicas,
        };
    }

    private static JsonObject Replica(ModelDefinition model, RunContext run, LifecycleStep step, List<string> args, int count)
    {
        var environment = Environment(model.Environment);
        environment.Add(new V1EnvVar { Name = "KAPTAIN_MODEL_ID", Value = model.Id });
        environment.Add(new V1EnvVar { Name = "KAPTAIN_MODEL_VERSION", Value = model.Version });
        environment.Add(new V1EnvVar { Name = "KAPTAIN_MODEL_NAME", Value = model.Name });
        environment.Add(new V1EnvVar { Name = ModelUriVariable, Value = TrainedModelUri(model, step) });
        environment.AddRange(S3Environment(model, BuildJobManifest.S3SecretName(model, step, run)));
        var template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta
            {
                Labels = ManifestLabels.For(model, step, run.RunId),
                // The model's annotations too: the pods carry its label, and the sweep leaves an object with the label but
                // without the model-id annotation alone as someone else's (KAPT4011).
                Annotations = new Dictionary<string, string>(ManifestLabels.Annotations(model)) { [ManifestLabels.IstioInject] = "false" },
            },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = ContainerName(model.Framework),
                        Image = run.Image.ToString(),
                        Command = ["python", "-u", model.MainFile.ContextPath],
                        Args = [.. args],
                        Env = environment,
                        Resources = Resources(model.Train.Resources),
                    },
                ],
            },
        };
        return new JsonObject
        {
            ["replicas"] = count,
            ["restartPolicy"] = "Never",
            ["template"] = ToJson(template),
        };
    }
}
