namespace Kaptain.Build.Model;

/// <summary>
/// Every public property of a model project, with its default and description. This one list drives the MSBuild
/// targets, the Cake addin, the README table and the parity tests (Contract 1).
/// </summary>
public static class ModelProperties
{
    /// <summary><c>KaptainModelId</c>: The model id, like `dev/mnist`: lowercase segments of letters, digits and '-' separated by '/'. Required.</summary>
    public const string ModelId = "KaptainModelId";

    /// <summary><c>KaptainModelName</c>: The Kubernetes name of the model (an RFC 1035 label of at most 32 characters, so that every derived name fits). Default: the last segment of KaptainModelId.</summary>
    public const string ModelName = "KaptainModelName";

    /// <summary><c>KaptainModelDescription</c>: A free-text description of the model, added as an annotation.</summary>
    public const string ModelDescription = "KaptainModelDescription";

    /// <summary><c>KaptainModelVersion</c>: The model version; part of the default model storage URI.</summary>
    public const string ModelVersion = "KaptainModelVersion";

    /// <summary><c>KaptainFramework</c>: The framework: `tensorflow` or `pytorch`. Required.</summary>
    public const string Framework = "KaptainFramework";

    /// <summary><c>KaptainFrameworkVersion</c>: The framework version. Default: 2.16.1 for tensorflow, 2.4.1 for pytorch.</summary>
    public const string FrameworkVersion = "KaptainFrameworkVersion";

    /// <summary><c>KaptainMainFile</c>: The training script, relative to the project directory. Required.</summary>
    public const string MainFile = "KaptainMainFile";

    /// <summary><c>KaptainBaseImage</c>: The base image of the generated Dockerfile. Default: the framework's image for KaptainFrameworkVersion (tensorflow/tensorflow:{version}, pytorch/pytorch:{version}-cuda...-runtime).</summary>
    public const string BaseImage = "KaptainBaseImage";

    /// <summary><c>KaptainImageName</c>: The model image, with an optional tag; without a tag the tag is derived from the build context checksum. Default: the model id.</summary>
    public const string ImageName = "KaptainImageName";

    /// <summary><c>KaptainRequirementsFile</c>: The pip requirements file, relative to the project directory; ignored when the default file does not exist.</summary>
    public const string RequirementsFile = "KaptainRequirementsFile";

    /// <summary><c>KaptainDockerfile</c>: The model's own Dockerfile, relative to the project directory. Default: a generated one.</summary>
    public const string Dockerfile = "KaptainDockerfile";

    /// <summary><c>KaptainRegistry</c>: The registry (`host[:port]`, or a URL such as `http://localhost:5000` whose scheme sets KaptainRegistryInsecure) when KaptainImageName does not name one.</summary>
    public const string Registry = "KaptainRegistry";

    /// <summary><c>KaptainRegistryInsecure</c>: Whether the registry is plain HTTP (Kaniko then gets `--insecure --skip-tls-verify`).</summary>
    public const string RegistryInsecure = "KaptainRegistryInsecure";

    /// <summary><c>KaptainDockerConfig</c>: The docker config file with the registry credentials. Default: $DOCKER_CONFIG/config.json, then ~/.docker/config.json.</summary>
    public const string DockerConfig = "KaptainDockerConfig";

    /// <summary><c>KaptainRegistryCaFile</c>: A PEM CA certificate file the registry's TLS certificate is signed with.</summary>
    public const string RegistryCaFile = "KaptainRegistryCaFile";

    /// <summary><c>KaptainS3Endpoint</c>: The S3 endpoint URL (`http://` or `https://`, host and optional port, no path).</summary>
    public const string S3Endpoint = "KaptainS3Endpoint";

    /// <summary><c>KaptainS3Region</c>: The S3 region.</summary>
    public const string S3Region = "KaptainS3Region";

    /// <summary><c>KaptainS3PathStyle</c>: Whether to address buckets by path (`true`/`false`). Default: false for amazonaws.com endpoints, true otherwise.</summary>
    public const string S3PathStyle = "KaptainS3PathStyle";

    /// <summary><c>KaptainS3SignatureVersion</c>: The S3 signature version: `v4` (`v2` is refused, KAPT2095).</summary>
    public const string S3SignatureVersion = "KaptainS3SignatureVersion";

    /// <summary><c>KaptainS3Bucket</c>: The bucket for build contexts and models (an S3 bucket name).</summary>
    public const string S3Bucket = "KaptainS3Bucket";

    /// <summary><c>KaptainModelStorageUri</c>: The base URI under which models are stored. Default: s3://{KaptainS3Bucket}/models.</summary>
    public const string ModelStorageUri = "KaptainModelStorageUri";

    /// <summary><c>KaptainKubeconfig</c>: The kubeconfig file. Default: $KUBECONFIG, then ~/.kube/config.</summary>
    public const string Kubeconfig = "KaptainKubeconfig";

    /// <summary><c>KaptainKubeContext</c>: The kubeconfig context. Default: the current context.</summary>
    public const string KubeContext = "KaptainKubeContext";

    /// <summary><c>KaptainNamespace</c>: The namespace for every resource (an RFC 1123 label). Default: the context's namespace, else `default`.</summary>
    public const string Namespace = "KaptainNamespace";

    /// <summary><c>KaptainForceCleanup</c>: Whether to delete a step's resources even when it fails. Default: the KAPTAIN_SDK_FORCE_CLEANUP environment variable, else false.</summary>
    public const string ForceCleanup = "KaptainForceCleanup";

    /// <summary><c>KaptainKeepFailedResources</c>: Whether to keep the resources of a failed step for inspection (ignored with KaptainForceCleanup).</summary>
    public const string KeepFailedResources = "KaptainKeepFailedResources";

    /// <summary><c>KaptainCreateNamespace</c>: Whether a step creates KaptainNamespace when it does not exist (as helm's `--create-namespace`); the namespace is never removed.</summary>
    public const string CreateNamespace = "KaptainCreateNamespace";

    /// <summary><c>KaptainWorkers</c>: The number of training replicas (a positive integer); PyTorch gets 1 master and the rest as workers, TensorFlow that many workers.</summary>
    public const string Workers = "KaptainWorkers";

    /// <summary><c>KaptainCpu</c>: CPU for each training replica (a Kubernetes quantity, request = limit). Do not combine with KaptainCpuRequest/KaptainCpuLimit.</summary>
    public const string Cpu = "KaptainCpu";

    /// <summary><c>KaptainMemory</c>: Memory for each training replica (a Kubernetes quantity, request = limit). Do not combine with KaptainMemoryRequest/KaptainMemoryLimit.</summary>
    public const string Memory = "KaptainMemory";

    /// <summary><c>KaptainGpus</c>: NVIDIA GPUs for each training replica (`nvidia.com/gpu`, request = limit).</summary>
    public const string Gpus = "KaptainGpus";

    /// <summary><c>KaptainCpuRequest</c>: CPU request for each training replica (a Kubernetes quantity).</summary>
    public const string CpuRequest = "KaptainCpuRequest";

    /// <summary><c>KaptainCpuLimit</c>: CPU limit for each training replica (a Kubernetes quantity).</summary>
    public const string CpuLimit = "KaptainCpuLimit";

    /// <summary><c>KaptainMemoryRequest</c>: Memory request for each training replica (a Kubernetes quantity).</summary>
    public const string MemoryRequest = "KaptainMemoryRequest";

    /// <summary><c>KaptainMemoryLimit</c>: Memory limit for each training replica (a Kubernetes quantity).</summary>
    public const string MemoryLimit = "KaptainMemoryLimit";

    /// <summary><c>KaptainTrainTimeout</c>: Seconds to wait for training to finish.</summary>
    public const string TrainTimeout = "KaptainTrainTimeout";

    /// <summary><c>KaptainTtlSecondsAfterFinished</c>: Seconds after which the finished training job is removed by its operator (`runPolicy.ttlSecondsAfterFinished`).</summary>
    public const string TtlSecondsAfterFinished = "KaptainTtlSecondsAfterFinished";

    /// <summary><c>KaptainTrials</c>: The maximum number of trials (Katib `maxTrialCount`).</summary>
    public const string Trials = "KaptainTrials";

    /// <summary><c>KaptainParallelTrials</c>: Trials run at once (Katib `parallelTrialCount`); at most KaptainTrials.</summary>
    public const string ParallelTrials = "KaptainParallelTrials";

    /// <summary><c>KaptainFailedTrials</c>: Failed trials after which the experiment fails (Katib `maxFailedTrialCount`).</summary>
    public const string FailedTrials = "KaptainFailedTrials";

    /// <summary><c>KaptainObjectives</c>: The metrics the training script prints (`name=value` on stdout), separated by ';'; the first is the objective, the rest are recorded. Required for tuning.</summary>
    public const string Objectives = "KaptainObjectives";

    /// <summary><c>KaptainObjectiveGoal</c>: A value of the objective metric at which tuning stops (a number).</summary>
    public const string ObjectiveGoal = "KaptainObjectiveGoal";

    /// <summary><c>KaptainObjectiveType</c>: `maximize` or `minimize`.</summary>
    public const string ObjectiveType = "KaptainObjectiveType";

    /// <summary><c>KaptainAlgorithm</c>: The Katib search algorithm: random, grid, bayesianoptimization, tpe, multivariate-tpe, cmaes, sobol, hyperband.</summary>
    public const string Algorithm = "KaptainAlgorithm";

    /// <summary><c>KaptainTuneTimeout</c>: Seconds to wait for the experiment to finish.</summary>
    public const string TuneTimeout = "KaptainTuneTimeout";

    /// <summary><c>KaptainDeleteExperiment</c>: Whether to delete the Katib experiment when tuning ends. Default: the KAPTAIN_SDK_DELETE_EXPERIMENT environment variable, else false.</summary>
    public const string DeleteExperiment = "KaptainDeleteExperiment";

    /// <summary><c>KaptainModelUri</c>: The storage URI the InferenceService serves. Default: {KaptainModelStorageUri}/{KaptainModelId}/{KaptainModelVersion}.</summary>
    public const string ModelUri = "KaptainModelUri";

    /// <summary><c>KaptainDeploymentMode</c>: The KServe deployment mode: `Serverless` or `RawDeployment`.</summary>
    public const string DeploymentMode = "KaptainDeploymentMode";

    /// <summary><c>KaptainServingApiGroup</c>: The InferenceService API group: `serving.kserve.io` or the legacy `serving.kubeflow.org`.</summary>
    public const string ServingApiGroup = "KaptainServingApiGroup";

    /// <summary><c>KaptainAutoscalingTarget</c>: Concurrent requests per replica the autoscaler aims for (`scaleTarget`).</summary>
    public const string AutoscalingTarget = "KaptainAutoscalingTarget";

    /// <summary><c>KaptainMinReplicas</c>: The minimum number of serving replicas (0 lets Serverless scale to zero).</summary>
    public const string MinReplicas = "KaptainMinReplicas";

    /// <summary><c>KaptainMaxReplicas</c>: The maximum number of serving replicas.</summary>
    public const string MaxReplicas = "KaptainMaxReplicas";

    /// <summary><c>KaptainServingCpu</c>: CPU for each serving replica (request = limit; a Kubernetes quantity).</summary>
    public const string ServingCpu = "KaptainServingCpu";

    /// <summary><c>KaptainServingMemory</c>: Memory for each serving replica (request = limit; a Kubernetes quantity).</summary>
    public const string ServingMemory = "KaptainServingMemory";

    /// <summary><c>KaptainServingGpus</c>: NVIDIA GPUs for each serving replica.</summary>
    public const string ServingGpus = "KaptainServingGpus";

    /// <summary><c>KaptainReplace</c>: Whether publishing may replace the InferenceService an earlier publish of this model created (one of another model, by its kaptain.build/model-id annotation, is never replaced).</summary>
    public const string Replace = "KaptainReplace";

    /// <summary><c>KaptainCanaryTrafficPercent</c>: The percent of traffic (0-100) the new revision receives; the rest stays on the revision rolled out before. Serverless only; `KaptainPromoteCanary` gives the canary all of it, `KaptainRollbackCanary` none.</summary>
    public const string CanaryTrafficPercent = "KaptainCanaryTrafficPercent";

    /// <summary><c>KaptainRevisionsToKeep</c>: How many previous revisions of the model image and storage to keep when publishing (a positive integer).</summary>
    public const string RevisionsToKeep = "KaptainRevisionsToKeep";

    /// <summary><c>KaptainPublishTimeout</c>: Seconds to wait for the InferenceService to become ready.</summary>
    public const string PublishTimeout = "KaptainPublishTimeout";

    /// <summary><c>KaptainPublishStableSeconds</c>: Seconds the predictor pods of the new version must stay ready, with no container restart, once the InferenceService is Ready (KServe can say Ready while they crash-loop: kserve#1859); a restart or CrashLoopBackOff in that time fails the publish (KAPT1055). 0 skips the check.</summary>
    public const string PublishStableSeconds = "KaptainPublishStableSeconds";

    /// <summary><c>KaptainBuilderImage</c>: The Kaniko executor image.</summary>
    public const string BuilderImage = "KaptainBuilderImage";

    /// <summary><c>KaptainBuilderCpuRequest</c>: CPU request of the builder.</summary>
    public const string BuilderCpuRequest = "KaptainBuilderCpuRequest";

    /// <summary><c>KaptainBuilderMemoryRequest</c>: Memory request of the builder.</summary>
    public const string BuilderMemoryRequest = "KaptainBuilderMemoryRequest";

    /// <summary><c>KaptainBuilderCpuLimit</c>: CPU limit of the builder.</summary>
    public const string BuilderCpuLimit = "KaptainBuilderCpuLimit";

    /// <summary><c>KaptainBuilderMemoryLimit</c>: Memory limit of the builder.</summary>
    public const string BuilderMemoryLimit = "KaptainBuilderMemoryLimit";

    /// <summary><c>KaptainBuildTimeout</c>: Seconds to wait for the image build.</summary>
    public const string BuildTimeout = "KaptainBuildTimeout";

    /// <summary><c>KaptainImageBuilder</c>: How the model image is built: <c>kaniko</c>, <c>append</c> or <c>auto</c>.</summary>
    public const string ImageBuilder = "KaptainImageBuilder";

    /// <summary><c>KaptainBuilderCache</c>: Whether Kaniko caches RUN layers in a registry (<c>--cache=true</c>).</summary>
    public const string BuilderCache = "KaptainBuilderCache";

    /// <summary><c>KaptainBuilderCacheRepository</c>: The repository Kaniko keeps cached layers in (<c>--cache-repo</c>).</summary>
    public const string BuilderCacheRepository = "KaptainBuilderCacheRepository";

    /// <summary><c>KaptainBuilderCacheTtl</c>: How long a cached layer is used (<c>--cache-ttl</c>).</summary>
    public const string BuilderCacheTtl = "KaptainBuilderCacheTtl";

    /// <summary>Every property, grouped by lifecycle part, in README order.</summary>
    public static IReadOnlyList<ModelProperty> All { get; } =
    [
        new(ModelId, ModelPropertyGroup.Model, null, "The model id, like `dev/mnist`: lowercase segments of letters, digits and '-' separated by '/'. Required."),
        new(ModelName, ModelPropertyGroup.Model, null, "The Kubernetes name of the model (an RFC 1035 label of at most 32 characters, so that every derived name fits). Default: the last segment of KaptainModelId."),
        new(ModelDescription, ModelPropertyGroup.Model, null, "A free-text description of the model, added as an annotation."),
        new(ModelVersion, ModelPropertyGroup.Model, "0.0.1", "The model version; part of the default model storage URI."),
        new(Framework, ModelPropertyGroup.Model, null, "The framework: `tensorflow` or `pytorch`. Required."),
        new(FrameworkVersion, ModelPropertyGroup.Model, null, "The framework version. Default: 2.16.1 for tensorflow, 2.4.1 for pytorch."),
        new(MainFile, ModelPropertyGroup.Model, null, "The training script, relative to the project directory. Required."),
        new(BaseImage, ModelPropertyGroup.Model, null, "The base image of the generated Dockerfile. Default: the framework's image for KaptainFrameworkVersion (tensorflow/tensorflow:{version}, pytorch/pytorch:{version}-cuda...-runtime)."),
        new(ImageName, ModelPropertyGroup.Model, null, "The model image, with an optional tag; without a tag the tag is derived from the build context checksum. Default: the model id."),
        new(RequirementsFile, ModelPropertyGroup.Model, "requirements.txt", "The pip requirements file, relative to the project directory; ignored when the default file does not exist."),
        new(Dockerfile, ModelPropertyGroup.Model, null, "The model's own Dockerfile, relative to the project directory. Default: a generated one."),
        new(Registry, ModelPropertyGroup.RegistryAndStorage, null, "The registry (`host[:port]`, or a URL such as `http://localhost:5000` whose scheme sets KaptainRegistryInsecure) when KaptainImageName does not name one."),
        new(RegistryInsecure, ModelPropertyGroup.RegistryAndStorage, "false", "Whether the registry is plain HTTP (Kaniko then gets `--insecure --skip-tls-verify`)."),
        new(DockerConfig, ModelPropertyGroup.RegistryAndStorage, null, "The docker config file with the registry credentials. Default: $DOCKER_CONFIG/config.json, then ~/.docker/config.json."),
        new(RegistryCaFile, ModelPropertyGroup.RegistryAndStorage, null, "A PEM CA certificate file the registry's TLS certificate is signed with."),
        new(S3Endpoint, ModelPropertyGroup.RegistryAndStorage, "https://s3.amazonaws.com", "The S3 endpoint URL (`http://` or `https://`, host and optional port, no path)."),
        new(S3Region, ModelPropertyGroup.RegistryAndStorage, "us-east-1", "The S3 region."),
        new(S3PathStyle, ModelPropertyGroup.RegistryAndStorage, null, "Whether to address buckets by path (`true`/`false`) rather than by host name, in the upload, Kaniko (`S3_FORCE_PATH_STYLE`) and KServe (`s3-usevirtualbucket`). Default: false for amazonaws.com endpoints, true otherwise."),
        new(S3SignatureVersion, ModelPropertyGroup.RegistryAndStorage, "v4", "The S3 signature version: `v4`, the only one Kaniko, KServe and AWS accept (`v2` is refused, KAPT2095)."),
        new(S3Bucket, ModelPropertyGroup.RegistryAndStorage, "kaptain", "The bucket for build contexts and models (an S3 bucket name)."),
        new(ModelStorageUri, ModelPropertyGroup.RegistryAndStorage, null, "The base URI under which models are stored. Default: s3://{KaptainS3Bucket}/models."),
        new(Kubeconfig, ModelPropertyGroup.Cluster, null, "The kubeconfig file. Default: $KUBECONFIG, then ~/.kube/config."),
        new(KubeContext, ModelPropertyGroup.Cluster, null, "The kubeconfig context. Default: the current context."),
        new(Namespace, ModelPropertyGroup.Cluster, null, "The namespace for every resource (an RFC 1123 label). Default: the context's namespace, else `default`."),
        new(ForceCleanup, ModelPropertyGroup.Cluster, "false", "Whether to delete a step's resources even when it fails. Default: the KAPTAIN_SDK_FORCE_CLEANUP environment variable, else false."),
        new(KeepFailedResources, ModelPropertyGroup.Cluster, "false", "Whether to keep the resources of a failed step for inspection (ignored with KaptainForceCleanup)."),
        new(CreateNamespace, ModelPropertyGroup.Cluster, "false", "Whether a step creates KaptainNamespace when it does not exist (as helm's `--create-namespace`); the namespace is never removed."),
        new(Workers, ModelPropertyGroup.Train, "2", "The number of training replicas (a positive integer); PyTorch gets 1 master and the rest as workers, TensorFlow that many workers."),
        new(Cpu, ModelPropertyGroup.Train, null, "CPU for each training replica (a Kubernetes quantity, request = limit). Do not combine with KaptainCpuRequest/KaptainCpuLimit."),
        new(Memory, ModelPropertyGroup.Train, null, "Memory for each training replica (a Kubernetes quantity, request = limit). Do not combine with KaptainMemoryRequest/KaptainMemoryLimit."),
        new(Gpus, ModelPropertyGroup.Train, "0", "NVIDIA GPUs for each training replica (`nvidia.com/gpu`, request = limit)."),
        new(CpuRequest, ModelPropertyGroup.Train, null, "CPU request for each training replica (a Kubernetes quantity)."),
        new(CpuLimit, ModelPropertyGroup.Train, null, "CPU limit for each training replica (a Kubernetes quantity)."),
        new(MemoryRequest, ModelPropertyGroup.Train, null, "Memory request for each training replica (a Kubernetes quantity)."),
        new(MemoryLimit, ModelPropertyGroup.Train, null, "Memory limit for each training replica (a Kubernetes quantity)."),
        new(TrainTimeout, ModelPropertyGroup.Train, "86400", "Seconds to wait for training to finish."),
        new(TtlSecondsAfterFinished, ModelPropertyGroup.Train, null, "Seconds after which the finished training job is removed by its operator (`runPolicy.ttlSecondsAfterFinished`)."),
        new(Trials, ModelPropertyGroup.Tune, "16", "The maximum number of trials (Katib `maxTrialCount`)."),
        new(ParallelTrials, ModelPropertyGroup.Tune, "2", "Trials run at once (Katib `parallelTrialCount`); at most KaptainTrials."),
        new(FailedTrials, ModelPropertyGroup.Tune, "4", "Failed trials after which the experiment fails (Katib `maxFailedTrialCount`)."),
        new(Objectives, ModelPropertyGroup.Tune, null, "The metrics the training script prints (`name=value` on stdout), separated by ';'; the first is the objective, the rest are recorded. Required for tuning."),
        new(ObjectiveGoal, ModelPropertyGroup.Tune, null, "A value of the objective metric at which tuning stops (a number)."),
        new(ObjectiveType, ModelPropertyGroup.Tune, "maximize", "`maximize` or `minimize`."),
        new(Algorithm, ModelPropertyGroup.Tune, "random", "The Katib search algorithm: random, grid, bayesianoptimization, tpe, multivariate-tpe, cmaes, sobol, hyperband."),
        new(TuneTimeout, ModelPropertyGroup.Tune, "172800", "Seconds to wait for the experiment to finish."),
        new(DeleteExperiment, ModelPropertyGroup.Tune, "false", "Whether to delete the Katib experiment when tuning ends. Default: the KAPTAIN_SDK_DELETE_EXPERIMENT environment variable, else false."),
        new(ModelUri, ModelPropertyGroup.Publish, null, "The storage URI the InferenceService serves. Default: {KaptainModelStorageUri}/{KaptainModelId}/{KaptainModelVersion}."),
        new(DeploymentMode, ModelPropertyGroup.Publish, "Serverless", "The KServe deployment mode: `Serverless` or `RawDeployment`."),
        new(ServingApiGroup, ModelPropertyGroup.Publish, "serving.kserve.io", "The InferenceService API group: `serving.kserve.io` or the legacy `serving.kubeflow.org`."),
        new(AutoscalingTarget, ModelPropertyGroup.Publish, "2", "Concurrent requests per replica the autoscaler aims for (`scaleTarget`)."),
        new(MinReplicas, ModelPropertyGroup.Publish, null, "The minimum number of serving replicas (0 lets Serverless scale to zero)."),
        new(MaxReplicas, ModelPropertyGroup.Publish, null, "The maximum number of serving replicas."),
        new(ServingCpu, ModelPropertyGroup.Publish, null, "CPU for each serving replica (request = limit; a Kubernetes quantity)."),
        new(ServingMemory, ModelPropertyGroup.Publish, null, "Memory for each serving replica (request = limit; a Kubernetes quantity)."),
        new(ServingGpus, ModelPropertyGroup.Publish, "0", "NVIDIA GPUs for each serving replica."),
        new(Replace, ModelPropertyGroup.Publish, "false", "Whether publishing may replace the InferenceService an earlier publish of this model created (one of another model, by its kaptain.build/model-id annotation, is never replaced)."),
        new(CanaryTrafficPercent, ModelPropertyGroup.Publish, null, "The percent of traffic (0-100) the new revision receives; the rest stays on the revision rolled out before. Serverless only; `KaptainPromoteCanary` gives the canary all of it, `KaptainRollbackCanary` none."),
        new(RevisionsToKeep, ModelPropertyGroup.Publish, null, "How many previous revisions of the model image and storage to keep when publishing (a positive integer)."),
        new(PublishTimeout, ModelPropertyGroup.Publish, "600", "Seconds to wait for the InferenceService to become ready."),
        new(PublishStableSeconds, ModelPropertyGroup.Publish, "10", "Seconds the predictor pods of the new version must stay ready, with no container restart, once the InferenceService is Ready (KServe can say Ready while they crash-loop: kserve#1859); a restart or CrashLoopBackOff in that time fails the publish (KAPT1055). 0 skips the check."),
        new(BuilderImage, ModelPropertyGroup.Builder, "gcr.io/kaniko-project/executor:v1.23.2", "The Kaniko executor image."),
        new(BuilderCpuRequest, ModelPropertyGroup.Builder, "500m", "CPU request of the builder."),
        new(BuilderMemoryRequest, ModelPropertyGroup.Builder, "500M", "Memory request of the builder."),
        new(BuilderCpuLimit, ModelPropertyGroup.Builder, "1", "CPU limit of the builder."),
        new(BuilderMemoryLimit, ModelPropertyGroup.Builder, "1G", "Memory limit of the builder."),
        new(BuildTimeout, ModelPropertyGroup.Builder, "1800", "Seconds to wait for the image build."),
        new(ImageBuilder, ModelPropertyGroup.Builder, "auto", "How the model image is built. `kaniko`: the whole Dockerfile by Kaniko on the cluster. `append`: Kaniko builds the base image (the Dockerfile without the model's files: base image, requirements, pip install) once into `{image}/base`; every image is that base plus one layer of the model's files, pushed through the registry API with no Job and no Secret on the cluster. `auto`: append with the generated Dockerfile, Kaniko with the model's own (KaptainDockerfile is never appended to: its equivalence is not checked)."),
        new(BuilderCache, ModelPropertyGroup.Builder, "false", "Whether Kaniko caches the layers of RUN instructions (the pip install) in the registry and reuses them (`--cache=true`); off by default, as in Kaniko. COPY layers are not cached (`--cache-copy-layers` stays off): they come from the context, which is uploaded anyway."),
        new(BuilderCacheRepository, ModelPropertyGroup.Builder, null, "The repository Kaniko keeps cached layers in (`--cache-repo`), qualified with KaptainRegistry when it names no registry, and in the model image's registry (the builder gets that registry's credentials only); needs KaptainBuilderCache. Default: Kaniko's, the image's repository followed by `/cache`."),
        new(BuilderCacheTtl, ModelPropertyGroup.Builder, null, "How long a cached layer is reused (`--cache-ttl`), a duration such as `24h` or `90m` (units h, m, s); needs KaptainBuilderCache. Default: Kaniko's, 336h (two weeks)."),
    ];

    private static readonly Dictionary<string, ModelProperty> ByName =
        All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The property named <paramref name="name"/> (case-insensitive, as MSBuild names are), or <see langword="null"/>.</summary>
    public static ModelProperty? Find(string name) => ByName.GetValueOrDefault(name);
}
