using System.Globalization;
using System.Text.RegularExpressions;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>
/// Turns a <see cref="ModelInput"/> into a <see cref="ModelDefinition"/>: applies defaults, parses every value and
/// checks every rule, collecting all diagnostics rather than stopping at the first.
/// </summary>
internal sealed partial class ModelDefinitionParser
{
    /// <summary>The longest model name for which every derived name (Katib trial pods, KServe services) still fits.</summary>
    internal const int MaxModelNameLength = 32;

    private static readonly string[] StorageSchemes = ["s3", "gs", "pvc", "http", "https", "hdfs", "webhdfs"];

    private readonly ModelInput input;
    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<KaptainDiagnostic> diagnostics = [];

    internal ModelDefinitionParser(ModelInput input)
    {
        this.input = input;
        foreach (var (name, value) in input.Properties)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                values[name] = value.Trim();
            }
        }
    }

    internal ModelReadResult Parse()
    {
        foreach (var property in input.Properties.Keys)
        {
            if (property.StartsWith("Kaptain", StringComparison.OrdinalIgnoreCase) && ModelProperties.Find(property) is null)
            {
                Error(UnknownProperty, property, property);
            }
        }

        foreach (var item in input.Items)
        {
            if (item.ItemType.StartsWith("Kaptain", StringComparison.OrdinalIgnoreCase) && ModelItemTypes.Find(item.ItemType) is null)
            {
                Error(UnknownItemType, item.ItemType, item.ItemType);
            }
        }

        var id = ReadModelId();
        var name = ReadModelName(id);
        var version = Value(P.ModelVersion)!;
        if (!ModelVersionRegex().IsMatch(version))
        {
            Error(InvalidModelVersion, P.ModelVersion, version);
        }

        var framework = ReadFramework();
        var frameworkVersion = Value(P.FrameworkVersion) ?? (framework is { } f ? FrameworkDefaults.DefaultVersion(f) : null);
        var baseImage = ReadBaseImage(framework, frameworkVersion);
        var mainFile = ReadMainFile();
        var files = ReadFiles();
        var requirements = ReadOptionalFile(P.RequirementsFile);
        var dockerfile = ReadOptionalFile(P.Dockerfile);
        var registry = ReadRegistry();
        var image = ReadModelImage(id, registry.Host);
        var storage = ReadStorage();
        var cluster = ReadCluster();
        var labels = ReadLabels();
        var environment = ReadEnvironment();
        var train = ReadTrain();
        var tune = ReadTune();
        var publish = ReadPublish(id, version, storage);
        var builder = ReadBuilder();

        if (diagnostics.Count > 0 || id is null || name is null || framework is null || frameworkVersion is null
            || baseImage is null || mainFile is null || image is null || storage is null || publish is null)
        {
            return new ModelReadResult(null, diagnostics);
        }

        var model = new ModelDefinition
        {
            ProjectDirectory = Path.GetFullPath(input.ProjectDirectory),
            Id = id,
            Name = name,
            Description = Value(P.ModelDescription),
            Version = version,
            Framework = framework.Value,
            FrameworkVersion = frameworkVersion,
            MainFile = mainFile,
            Files = files,
            RequirementsFile = requirements,
            Dockerfile = dockerfile,
            BaseImage = baseImage,
            Image = image,
            Labels = labels,
            Environment = environment,
            Registry = registry with { Host = image.Domain ?? "docker.io" },
            Storage = storage,
            Cluster = cluster,
            Train = train,
            Tune = tune,
            Publish = publish,
            Builder = builder,
        };
        return new ModelReadResult(model, diagnostics);
    }

    private string? ReadModelId()
    {
        var id = Value(P.ModelId);
        if (id is null)
        {
            Error(RequiredPropertyMissing, P.ModelId, P.ModelId);
            return null;
        }

        var segments = id.Split('/');
        if (segments.Any(s => !KubernetesNames.IsDns1123Label(s)) || KubernetesNames.ToLabelValue(id) != id.Replace('/', '-'))
        {
            Error(InvalidModelId, P.ModelId, id);
            return null;
        }

        return id;
    }

    private string? ReadModelName(string? id)
    {
        var name = Value(P.ModelName) ?? id?.Split('/')[^1];
        if (name is null)
        {
            return null;
        }

        if (name.Length > MaxModelNameLength || !KubernetesNames.IsDns1035Label(name))
        {
            Error(InvalidKubernetesName, P.ModelName, P.ModelName, name,
                $"an RFC 1035 label (lowercase letters, digits and '-', starting with a letter) of at most {MaxModelNameLength} characters");
            return null;
        }

        return name;
    }

    private ModelFramework? ReadFramework()
    {
        var text = Value(P.Framework);
        if (text is null)
        {
            Error(RequiredPropertyMissing, P.Framework, P.Framework);
            return null;
        }

        if (!FrameworkDefaults.TryParse(text, out var framework))
        {
            Error(UnknownFramework, P.Framework, text, string.Join(", ", FrameworkDefaults.Names));
            return null;
        }

        return framework;
    }

    private string? ReadBaseImage(ModelFramework? framework, string? frameworkVersion)
    {
        var text = Value(P.BaseImage);
        if (text is not null)
        {
            return ReadImage(P.BaseImage, text)?.ToString();
        }

        if (framework is null || frameworkVersion is null)
        {
            return null;
        }

        var image = FrameworkDefaults.DefaultBaseImage(framework.Value, frameworkVersion);
        if (image is null || !ImageReference.TryParse(image, out _))
        {
            // A model with its own Dockerfile does not need a base image; keep the framework image name for reference.
            if (Value(P.Dockerfile) is not null)
            {
                return $"{framework.Value.Name()}:{frameworkVersion}";
            }

            Error(NoDefaultBaseImage, P.BaseImage, framework.Value.Name(), frameworkVersion);
            return null;
        }

        return image;
    }

    private ModelFile? ReadMainFile()
    {
        var text = Value(P.MainFile);
        if (text is null)
        {
            Error(RequiredPropertyMissing, P.MainFile, P.MainFile);
            return null;
        }

        return ResolveFile(P.MainFile, text, link: null);
    }

    private List<ModelFile> ReadFiles()
    {
        var files = new List<ModelFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in Items(ModelItemTypes.File))
        {
            var file = ResolveFile(ModelItemTypes.File, item.ItemSpec, item.GetMetadata("Link"));
            if (file is not null && seen.Add(file.ContextPath))
            {
                files.Add(file);
            }
        }

        return files;
    }

    /// <summary>A file that may be absent: an explicit value must exist, a default (requirements.txt) is used only when it does.</summary>
    private ModelFile? ReadOptionalFile(string property)
    {
        var explicitValue = Value(property, applyDefault: false);
        var text = explicitValue ?? ModelProperties.Find(property)!.DefaultValue;
        if (text is null)
        {
            return null;
        }

        if (explicitValue is null && !File.Exists(FullPath(text)))
        {
            return null;
        }

        return ResolveFile(property, text, link: null);
    }

    private ModelFile? ResolveFile(string subject, string path, string? link)
    {
        var fullPath = FullPath(path);
        if (!File.Exists(fullPath))
        {
            Error(FileNotFound, subject, subject, fullPath);
            return null;
        }

        var relative = Path.GetRelativePath(Path.GetFullPath(input.ProjectDirectory), fullPath).Replace('\\', '/');
        var contextPath = link?.Replace('\\', '/').TrimStart('/') ?? relative;
        if (contextPath.StartsWith("../", StringComparison.Ordinal) || contextPath == ".." || Path.IsPathRooted(contextPath)
            || contextPath.Split('/').Contains(".."))
        {
            Error(FileOutsideProject, subject, subject, fullPath);
            return null;
        }

        return new ModelFile(contextPath, fullPath);
    }

    private RegistrySettings ReadRegistry()
    {
        var host = Value(P.Registry);
        bool? plainHttp = null;
        if (host is not null && host.Contains("://", StringComparison.Ordinal))
        {
            // A registry URL: its scheme says whether the registry is plain HTTP, unless KaptainRegistryInsecure says.
            if (Uri.TryCreate(host, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
                && url.AbsolutePath == "/" && url.Query.Length == 0 && url.Fragment.Length == 0 && url.UserInfo.Length == 0)
            {
                plainHttp = url.Scheme == Uri.UriSchemeHttp;
                host = url.IsDefaultPort ? url.Host : $"{url.Host}:{url.Port}";
            }
            else
            {
                Error(InvalidImageReference, P.Registry, P.Registry, host);
                host = null;
            }
        }

        if (host is not null && (!ImageReference.TryParse(host + "/x", out var probe) || probe.Domain != host))
        {
            Error(InvalidImageReference, P.Registry, P.Registry, host);
            host = null;
        }

        var caFile = Value(P.RegistryCaFile);
        string? caPath = null;
        if (caFile is not null)
        {
            caPath = FullPath(caFile);
            if (!File.Exists(caPath))
            {
                Error(FileNotFound, P.RegistryCaFile, P.RegistryCaFile, caPath);
            }
        }

        var dockerConfig = Value(P.DockerConfig);
        return new RegistrySettings(
            host ?? string.Empty,
            Value(P.RegistryInsecure, applyDefault: false) is null && plainHttp is { } http ? http : Boolean(P.RegistryInsecure),
            dockerConfig is null ? null : FullPath(dockerConfig),
            caPath);
    }

    private ImageReference? ReadModelImage(string? id, string? registryHost)
    {
        var text = Value(P.ImageName) ?? id;
        if (text is null)
        {
            return null;
        }

        var image = ReadImage(P.ImageName, text);
        if (image is null)
        {
            return null;
        }

        if (image.Digest is not null)
        {
            Error(ImageNameHasDigest, P.ImageName, text);
            return null;
        }

        if (image.Domain is null && !string.IsNullOrEmpty(registryHost))
        {
            image = image with { Domain = registryHost };
        }

        return image;
    }

    private ImageReference? ReadImage(string property, string text)
    {
        if (!ImageReference.TryParse(text, out var image))
        {
            Error(InvalidImageReference, property, property, text);
            return null;
        }

        return image;
    }

    private StorageSettings? ReadStorage()
    {
        var endpointText = Value(P.S3Endpoint)!;
        Uri? endpoint = null;
        if (!S3EndpointSyntax.TryParse(endpointText, out var parsed))
        {
            Error(InvalidS3Endpoint, P.S3Endpoint, endpointText);
        }
        else
        {
            endpoint = parsed;
        }

        var bucket = Value(P.S3Bucket)!;
        if (!S3EndpointSyntax.IsBucketName(bucket))
        {
            Error(InvalidBucketName, P.S3Bucket, bucket);
        }

        var signature = Value(P.S3SignatureVersion)!.ToLowerInvariant();
        if (signature is not ("v4" or "v2"))
        {
            Error(UnknownSignatureVersion, P.S3SignatureVersion, signature);
        }

        var pathStyle = Value(P.S3PathStyle) is null
            ? endpoint is null || !endpoint.Host.EndsWith("amazonaws.com", StringComparison.OrdinalIgnoreCase)
            : Boolean(P.S3PathStyle);
        var storageUri = StorageUri(P.ModelStorageUri, Value(P.ModelStorageUri) ?? $"s3://{bucket}/models");
        if (endpoint is null || storageUri is null)
        {
            return null;
        }

        return new StorageSettings(endpoint, Value(P.S3Region)!, pathStyle, signature, bucket, storageUri);
    }

    private string? StorageUri(string property, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !StorageSchemes.Contains(uri.Scheme)
            || string.IsNullOrEmpty(uri.Host) || text.Contains(' ', StringComparison.Ordinal))
        {
            Error(InvalidStorageUri, property, property, text, string.Join(", ", StorageSchemes.Select(s => s + "://")));
            return null;
        }

        return text.TrimEnd('/');
    }

    private ClusterSettings ReadCluster()
    {
        var ns = Value(P.Namespace);
        if (ns is not null && !KubernetesNames.IsDns1123Label(ns))
        {
            Error(InvalidKubernetesName, P.Namespace, P.Namespace, ns, "an RFC 1123 label (lowercase letters, digits and '-', at most 63 characters)");
        }

        var kubeconfig = Value(P.Kubeconfig);
        return new ClusterSettings(
            kubeconfig is null ? null : FullPath(kubeconfig),
            Value(P.KubeContext),
            ns,
            BooleanOrEnvironment(P.ForceCleanup, "KAPTAIN_SDK_FORCE_CLEANUP"),
            Boolean(P.KeepFailedResources),
            Boolean(P.CreateNamespace));
    }

    private Dictionary<string, string> ReadLabels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in Items(ModelItemTypes.Label))
        {
            var key = item.ItemSpec.Trim();
            var value = item.GetMetadata("Value") ?? string.Empty;
            if (!KubernetesNames.IsQualifiedName(key) || !KubernetesNames.IsLabelValue(value)
                || key.StartsWith("kaptain.build/", StringComparison.Ordinal) || key == "app.kubernetes.io/managed-by")
            {
                Error(InvalidLabel, ModelItemTypes.Label, key, value);
            }
            else if (!labels.TryAdd(key, value))
            {
                Error(DuplicateItem, ModelItemTypes.Label, ModelItemTypes.Label, key);
            }
        }

        return labels;
    }

    private List<KeyValuePair<string, string>> ReadEnvironment() =>
        NameValueItems(ModelItemTypes.EnvironmentVariable, name =>
        {
            if (!KubernetesNames.IsEnvironmentVariableName(name))
            {
                Error(InvalidEnvironmentVariableName, ModelItemTypes.EnvironmentVariable, name);
                return false;
            }

            return true;
        }, valueRequired: false);

    private TrainSettings ReadTrain()
    {
        var workers = PositiveInteger(P.Workers) ?? 1;
        var resources = Resources(P.Cpu, P.Memory, P.Gpus, P.CpuRequest, P.CpuLimit, P.MemoryRequest, P.MemoryLimit);
        var hyperparameters = NameValueItems(ModelItemTypes.Hyperparameter, name => ParameterName(ModelItemTypes.Hyperparameter, name), valueRequired: true);
        var arguments = Items(ModelItemTypes.TrainArgument).Select(i => i.ItemSpec).ToList();
        var ttl = Value(P.TtlSecondsAfterFinished) is null ? null : NonNegativeInteger(P.TtlSecondsAfterFinished);
        return new TrainSettings(workers, resources, hyperparameters, arguments, Seconds(P.TrainTimeout), ttl);
    }

    private TuneSettings ReadTune()
    {
        var trials = PositiveInteger(P.Trials);
        var parallel = PositiveInteger(P.ParallelTrials);
        var failed = NonNegativeInteger(P.FailedTrials);
        if (trials is not null && parallel > trials)
        {
            Error(ParallelTrialsExceedTrials, P.ParallelTrials, parallel, trials);
        }

        if (trials is not null && failed > trials)
        {
            Error(FailedTrialsExceedTrials, P.FailedTrials, failed, trials);
        }

        var objectives = new List<string>();
        foreach (var objective in (Value(P.Objectives) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!MetricNameRegex().IsMatch(objective) || objectives.Contains(objective, StringComparer.Ordinal))
            {
                Error(InvalidObjective, P.Objectives, objective);
            }
            else
            {
                objectives.Add(objective);
            }
        }

        var goal = Value(P.ObjectiveGoal);
        if (goal is not null && !double.TryParse(goal, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            Error(InvalidNumber, P.ObjectiveGoal, P.ObjectiveGoal, goal);
        }

        var objectiveTypeText = Value(P.ObjectiveType)!;
        var objectiveType = ObjectiveType.Maximize;
        switch (objectiveTypeText.ToLowerInvariant())
        {
            case "maximize":
                break;
            case "minimize":
                objectiveType = ObjectiveType.Minimize;
                break;
            default:
                Error(UnknownObjectiveType, P.ObjectiveType, objectiveTypeText);
                break;
        }

        var algorithm = Value(P.Algorithm)!;
        if (!KatibAlgorithms.IsKnown(algorithm))
        {
            Error(UnknownAlgorithm, P.Algorithm, algorithm, string.Join(", ", KatibAlgorithms.Names));
        }

        var settings = NameValueItems(ModelItemTypes.AlgorithmSetting, _ => true, valueRequired: true);
        var parameters = new List<SearchParameter>();
        foreach (var item in Items(ModelItemTypes.SearchParameter))
        {
            var parameter = ReadSearchParameter(item, algorithm);
            if (parameter is null)
            {
                continue;
            }

            if (parameters.Any(p => p.Name == parameter.Name))
            {
                Error(DuplicateItem, ModelItemTypes.SearchParameter, ModelItemTypes.SearchParameter, parameter.Name);
                continue;
            }

            parameters.Add(parameter);
        }

        if (algorithm == "hyperband")
        {
            CheckHyperband(settings, parameters, parallel);
        }

        return new TuneSettings(trials ?? 1, parallel ?? 1, failed ?? 0, objectives, goal, objectiveType, algorithm, settings,
            parameters, Seconds(P.TuneTimeout), BooleanOrEnvironment(P.DeleteExperiment, "KAPTAIN_SDK_DELETE_EXPERIMENT"));
    }

    /// <summary>
    /// Katib's hyperband suggestion service rejects settings without <c>r_l</c> and <c>resource_name</c> (naming a
    /// search parameter), and fewer parallel trials than <c>eta^floor(log(r_l)/log(eta))</c>; the experiment would then
    /// fail after it was created, so the model is rejected first.
    /// </summary>
    private void CheckHyperband(List<KeyValuePair<string, string>> settings, List<SearchParameter> parameters, int? parallel)
    {
        var values = settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        if (!values.TryGetValue("r_l", out var rlText) || !values.TryGetValue("resource_name", out var resource))
        {
            Error(HyperbandSettings, ModelItemTypes.AlgorithmSetting, "the settings 'r_l' and 'resource_name' must be given");
            return;
        }

        if (!double.TryParse(rlText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rl) || rl <= 0)
        {
            Error(HyperbandSettings, ModelItemTypes.AlgorithmSetting, $"'r_l' must be a positive number, not '{rlText}'");
            return;
        }

        if (parameters.All(p => p.Name != resource))
        {
            Error(HyperbandSettings, ModelItemTypes.AlgorithmSetting, $"'resource_name' must name a KaptainSearchParameter, not '{resource}'");
        }

        var eta = values.TryGetValue("eta", out var etaText) && double.TryParse(etaText, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) && (int)e > 0
            ? (int)e
            : 3;
        var maxParallel = (int)Math.Ceiling(Math.Pow(eta, (int)(Math.Log(rl) / Math.Log(eta))));
        if (parallel < maxParallel)
        {
            Error(HyperbandSettings, P.ParallelTrials, $"KaptainParallelTrials must be at least {maxParallel} for r_l {rlText} and eta {eta}");
        }
    }

    private SearchParameter? ReadSearchParameter(ModelItem item, string algorithm)
    {
        const string subject = ModelItemTypes.SearchParameter;
        var name = item.ItemSpec.Trim();
        if (!ParameterName(subject, name))
        {
            return null;
        }

        var typeText = item.GetMetadata("Type");
        SearchParameterType type;
        switch (typeText?.ToLowerInvariant())
        {
            case "double": type = SearchParameterType.Double; break;
            case "int": type = SearchParameterType.Int; break;
            case "discrete": type = SearchParameterType.Discrete; break;
            case "categorical": type = SearchParameterType.Categorical; break;
            default:
                Error(UnknownSearchParameterType, subject, name, typeText ?? string.Empty);
                return null;
        }

        var min = item.GetMetadata("Min");
        var max = item.GetMetadata("Max");
        var step = item.GetMetadata("Step");
        var values = (item.GetMetadata("Values") ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var errors = diagnostics.Count;
        if (type is SearchParameterType.Double or SearchParameterType.Int)
        {
            if (min is null || max is null || values.Count > 0)
            {
                Error(SearchParameterBounds, subject, name, typeText);
                return null;
            }

            var low = Number(name, "Min", min, type);
            var high = Number(name, "Max", max, type);
            var by = step is null ? null : Number(name, "Step", step, type);
            if (low is not null && high is not null)
            {
                if (low >= high)
                {
                    Error(SearchParameterMinNotLessThanMax, subject, name, min, max);
                }
                else if (by is not null && (by <= 0 || by > high - low))
                {
                    Error(SearchParameterInvalidStep, subject, name, step);
                }
            }

            if (type == SearchParameterType.Double && step is null && algorithm == "grid")
            {
                Error(GridNeedsStep, subject, name);
            }
        }
        else
        {
            if (min is not null || max is not null || step is not null)
            {
                Error(SearchParameterBounds, subject, name, typeText);
                return null;
            }

            if (values.Count == 0)
            {
                Error(SearchParameterValuesEmpty, subject, name, typeText);
                return null;
            }

            if (type == SearchParameterType.Discrete)
            {
                foreach (var value in values)
                {
                    Number(name, "Values", value, SearchParameterType.Double);
                }
            }

            if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
            {
                Error(DuplicateItem, subject, $"{subject} '{name}' Values", values.GroupBy(v => v).First(g => g.Count() > 1).Key);
            }
        }

        return diagnostics.Count > errors ? null : new SearchParameter(name, type, min, max, step, values);
    }

    private double? Number(string name, string metadata, string text, SearchParameterType type)
    {
        var ok = type == SearchParameterType.Int
            ? long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        if (!ok || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            Error(SearchParameterInvalidNumber, ModelItemTypes.SearchParameter, name, metadata, text,
                type == SearchParameterType.Int ? "an integer" : "a number");
            return null;
        }

        return number;
    }

    private PublishSettings? ReadPublish(string? id, string version, StorageSettings? storage)
    {
        var modelUriText = Value(P.ModelUri);
        string? modelUri = null;
        if (modelUriText is not null)
        {
            modelUri = StorageUri(P.ModelUri, modelUriText);
        }
        else if (storage is not null && id is not null)
        {
            modelUri = $"{storage.ModelStorageUri}/{id}/{version}";
        }

        var modeText = Value(P.DeploymentMode)!;
        var mode = DeploymentMode.Serverless;
        if (string.Equals(modeText, "RawDeployment", StringComparison.OrdinalIgnoreCase))
        {
            mode = DeploymentMode.RawDeployment;
        }
        else if (!string.Equals(modeText, "Serverless", StringComparison.OrdinalIgnoreCase))
        {
            Error(UnknownDeploymentMode, P.DeploymentMode, modeText);
        }

        var group = Value(P.ServingApiGroup)!.ToLowerInvariant();
        if (group is not (PublishSettings.KServeApiGroup or PublishSettings.LegacyApiGroup))
        {
            Error(UnknownServingApiGroup, P.ServingApiGroup, group);
        }
        else if (group == PublishSettings.LegacyApiGroup && mode == DeploymentMode.RawDeployment)
        {
            Error(RawDeploymentNeedsKServe, P.DeploymentMode);
        }

        var target = PositiveInteger(P.AutoscalingTarget) ?? 1;
        var minReplicas = Value(P.MinReplicas) is null ? null : NonNegativeInteger(P.MinReplicas);
        var maxReplicas = Value(P.MaxReplicas) is null ? null : PositiveInteger(P.MaxReplicas);
        if (minReplicas > maxReplicas)
        {
            Error(MinReplicasExceedMax, P.MinReplicas, minReplicas, maxReplicas);
        }

        int? canary = null;
        if (Value(P.CanaryTrafficPercent) is not null)
        {
            canary = Integer(P.CanaryTrafficPercent);
            if (canary is < 0 or > 100)
            {
                Error(CanaryPercentOutOfRange, P.CanaryTrafficPercent, canary);
                canary = null;
            }
        }

        var revisions = Value(P.RevisionsToKeep) is null ? null : PositiveInteger(P.RevisionsToKeep);
        var resources = Resources(P.ServingCpu, P.ServingMemory, P.ServingGpus, null, null, null, null);
        return modelUri is null
            ? null
            : new PublishSettings(modelUri, mode, group, target, minReplicas, maxReplicas, resources, Boolean(P.Replace), canary,
                revisions, Seconds(P.PublishTimeout));
    }

    private BuilderSettings ReadBuilder()
    {
        var image = ReadImage(P.BuilderImage, Value(P.BuilderImage)!);
        var resources = Resources(null, null, null, P.BuilderCpuRequest, P.BuilderCpuLimit, P.BuilderMemoryRequest, P.BuilderMemoryLimit);
        return new BuilderSettings(image?.ToString() ?? string.Empty, resources, Seconds(P.BuildTimeout));
    }

    /// <summary>
    /// Reads one container's resources. The single-value style (<paramref name="cpu"/>, <paramref name="memory"/>) sets
    /// request = limit; the fine-grained style sets each separately; using both for one resource is an error.
    /// </summary>
    private ComputeResources Resources(string? cpu, string? memory, string? gpus,
        string? cpuRequest, string? cpuLimit, string? memoryRequest, string? memoryLimit)
    {
        var requests = new Dictionary<string, string>(StringComparer.Ordinal);
        var limits = new Dictionary<string, string>(StringComparer.Ordinal);
        Style("cpu", cpu, cpuRequest, cpuLimit);
        Style("memory", memory, memoryRequest, memoryLimit);
        if (gpus is not null && NonNegativeInteger(gpus) is > 0 and var count)
        {
            // Extended resources are set as limits; Kubernetes defaults the request to the limit.
            limits["nvidia.com/gpu"] = count.ToString(CultureInfo.InvariantCulture);
        }

        return new ComputeResources(requests, limits);

        void Style(string resource, string? single, string? requestProperty, string? limitProperty)
        {
            var value = single is null ? null : Quantity(single);
            var request = requestProperty is null ? null : Quantity(requestProperty);
            var limit = limitProperty is null ? null : Quantity(limitProperty);
            if (single is not null && Value(single, applyDefault: false) is not null
                && ((requestProperty is not null && Value(requestProperty, applyDefault: false) is not null)
                    || (limitProperty is not null && Value(limitProperty, applyDefault: false) is not null)))
            {
                var fine = requestProperty is not null && Value(requestProperty, applyDefault: false) is not null ? requestProperty : limitProperty!;
                Error(BothResourceStyles, single, single, fine);
                return;
            }

            if (value is not null)
            {
                requests[resource] = value.Value.Text;
                limits[resource] = value.Value.Text;
                return;
            }

            if (request is not null)
            {
                requests[resource] = request.Value.Text;
            }

            if (limit is not null)
            {
                limits[resource] = limit.Value.Text;
            }

            if (request is not null && limit is not null && request.Value.Amount > limit.Value.Amount)
            {
                Error(RequestExceedsLimit, requestProperty, requestProperty, request.Value.Text, limitProperty, limit.Value.Text);
            }
        }
    }

    private (string Text, decimal Amount)? Quantity(string property)
    {
        var text = Value(property);
        if (text is null)
        {
            return null;
        }

        if (!QuantitySyntax.TryParse(text, out var amount))
        {
            Error(InvalidQuantity, property, property, text);
            return null;
        }

        return (text, amount);
    }

    private List<KeyValuePair<string, string>> NameValueItems(string itemType, Func<string, bool> validName, bool valueRequired)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var item in Items(itemType))
        {
            var name = item.ItemSpec.Trim();
            if (!validName(name))
            {
                continue;
            }

            var value = item.GetMetadata("Value");
            if (value is null && valueRequired)
            {
                Error(MissingItemMetadata, itemType, itemType, name, "Value");
                continue;
            }

            if (result.Any(p => p.Key == name))
            {
                Error(DuplicateItem, itemType, itemType, name);
                continue;
            }

            // Values keep their inner spaces; only MSBuild's surrounding whitespace is dropped.
            result.Add(new(name, value ?? string.Empty));
        }

        return result;
    }

    private bool ParameterName(string itemType, string name)
    {
        if (!ParameterNameRegex().IsMatch(name))
        {
            Error(InvalidParameterName, itemType, itemType, name);
            return false;
        }

        return true;
    }

    private TimeSpan Seconds(string property) => TimeSpan.FromSeconds(PositiveInteger(property) ?? 1);

    private int? PositiveInteger(string property)
    {
        var value = Integer(property);
        if (value is <= 0)
        {
            Error(NotPositive, property, property, value, "greater than 0");
            return null;
        }

        return value;
    }

    private int? NonNegativeInteger(string property)
    {
        var value = Integer(property);
        if (value is < 0)
        {
            Error(NotPositive, property, property, value, "0 or more");
            return null;
        }

        return value;
    }

    private int? Integer(string property)
    {
        var text = Value(property);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(InvalidInteger, property, property, text);
            return null;
        }

        return value;
    }

    private bool Boolean(string property)
    {
        var text = Value(property);
        if (text is null)
        {
            return false;
        }

        if (!TryParseBoolean(text, out var value))
        {
            Error(InvalidBoolean, property, property, text);
        }

        return value;
    }

    private bool BooleanOrEnvironment(string property, string variable)
    {
        if (Value(property, applyDefault: false) is not null)
        {
            return Boolean(property);
        }

        var text = input.Environment is null ? System.Environment.GetEnvironmentVariable(variable) : input.Environment.GetValueOrDefault(variable);
        return !string.IsNullOrWhiteSpace(text) && (TryParseBoolean(text.Trim(), out var value) ? value : text.Trim() == "1");
    }

    /// <summary>Reads a boolean as MSBuild conditions do: true/false, yes/no, on/off (case-insensitive).</summary>
    internal static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                value = true;
                return true;
            case "false" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private string? Value(string property, bool applyDefault = true) =>
        values.TryGetValue(property, out var value) ? value : applyDefault ? ModelProperties.Find(property)?.DefaultValue : null;

    private IEnumerable<ModelItem> Items(string itemType) =>
        input.Items.Where(i => string.Equals(i.ItemType, itemType, StringComparison.OrdinalIgnoreCase));

    private string FullPath(string path) => Path.GetFullPath(path, Path.GetFullPath(input.ProjectDirectory));

    private void Error(string code, string? subject, params object?[] args) =>
        diagnostics.Add(KaptainDiagnostic.Error(code, subject, args));

    // Trial parameter names become `--name=value` options and `${trialParameters.name}` references, which Katib
    // rejects when they contain '{' or '}'.
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex ParameterNameRegex();

    // Katib's StdOut collector reads `name=value` lines with the default filter `([\w|-]+)\s*=\s*(number)`.
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex MetricNameRegex();

    // The version becomes a path segment of the model URI and an annotation.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.+-]*$")]
    private static partial Regex ModelVersionRegex();
}
