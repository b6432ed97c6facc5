using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.Build.Validation;
using static Kaptain.Build.Core.Tests.TestModelProject;
using I = Kaptain.Build.Model.ModelItemTypes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Core.Tests.Validation;

/// <summary>One row per validation rule: a valid model broken in one way yields the rule's code about the right subject.</summary>
public sealed class ValidationTableTests
{
    private sealed record Rule(string Code, string Subject, Action<TestModelProject> Break);

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["model id missing"] = new(DiagnosticCodes.RequiredPropertyMissing, P.ModelId, p => p.Properties.Remove(P.ModelId)),
        ["framework missing"] = new(DiagnosticCodes.RequiredPropertyMissing, P.Framework, p => p.Properties[P.Framework] = " "),
        ["main file missing"] = new(DiagnosticCodes.RequiredPropertyMissing, P.MainFile, p => p.Properties.Remove(P.MainFile)),
        ["framework unknown"] = new(DiagnosticCodes.UnknownFramework, P.Framework, p => p.Properties[P.Framework] = "jax"),
        ["main file not found"] = new(DiagnosticCodes.FileNotFound, P.MainFile, p => p.Properties[P.MainFile] = "missing.py"),
        ["extra file not found"] = new(DiagnosticCodes.FileNotFound, I.File, p => p.Items.Add(Item(I.File, "data/missing.csv"))),
        ["requirements file not found"] = new(DiagnosticCodes.FileNotFound, P.RequirementsFile, p => p.Properties[P.RequirementsFile] = "reqs.txt"),
        ["dockerfile not found"] = new(DiagnosticCodes.FileNotFound, P.Dockerfile, p => p.Properties[P.Dockerfile] = "docker/Dockerfile"),
        ["registry CA file not found"] = new(DiagnosticCodes.FileNotFound, P.RegistryCaFile, p => p.Properties[P.RegistryCaFile] = "ca.pem"),
        ["model id upper case"] = new(DiagnosticCodes.InvalidModelId, P.ModelId, p => p.Properties[P.ModelId] = "Dev/MNIST"),
        ["model id empty segment"] = new(DiagnosticCodes.InvalidModelId, P.ModelId, p => p.Properties[P.ModelId] = "dev//mnist"),
        ["model id too long"] = new(DiagnosticCodes.InvalidModelId, P.ModelId, p => p.Properties[P.ModelId] = "team/" + new string('a', 60)),
        ["model name too long"] = new(DiagnosticCodes.InvalidKubernetesName, P.ModelName, p => p.Properties[P.ModelName] = new string('m', 33)),
        ["model name from id starts with digit"] = new(DiagnosticCodes.InvalidKubernetesName, P.ModelName, p => p.Properties[P.ModelId] = "dev/2048"),
        ["model name with underscore"] = new(DiagnosticCodes.InvalidKubernetesName, P.ModelName, p => p.Properties[P.ModelName] = "my_model"),
        ["namespace not a label"] = new(DiagnosticCodes.InvalidKubernetesName, P.Namespace, p => p.Properties[P.Namespace] = "Team.NS"),
        ["boolean malformed"] = new(DiagnosticCodes.InvalidBoolean, P.Replace, p => p.Properties[P.Replace] = "maybe"),
        ["integer malformed"] = new(DiagnosticCodes.InvalidInteger, P.Workers, p => p.Properties[P.Workers] = "two"),
        ["workers zero"] = new(DiagnosticCodes.NotPositive, P.Workers, p => p.Properties[P.Workers] = "0"),
        ["trials zero"] = new(DiagnosticCodes.NotPositive, P.Trials, p => p.Properties[P.Trials] = "0"),
        ["parallel trials negative"] = new(DiagnosticCodes.NotPositive, P.ParallelTrials, p => p.Properties[P.ParallelTrials] = "-1"),
        ["failed trials negative"] = new(DiagnosticCodes.NotPositive, P.FailedTrials, p => p.Properties[P.FailedTrials] = "-1"),
        ["timeout zero"] = new(DiagnosticCodes.NotPositive, P.TrainTimeout, p => p.Properties[P.TrainTimeout] = "0"),
        ["autoscaling target zero"] = new(DiagnosticCodes.NotPositive, P.AutoscalingTarget, p => p.Properties[P.AutoscalingTarget] = "0"),
        ["gpus negative"] = new(DiagnosticCodes.NotPositive, P.Gpus, p => p.Properties[P.Gpus] = "-1"),
        ["parallel trials exceed trials"] = new(DiagnosticCodes.ParallelTrialsExceedTrials, P.ParallelTrials, p => { p.Properties[P.Trials] = "2"; p.Properties[P.ParallelTrials] = "3"; p.Properties[P.FailedTrials] = "1"; }),
        ["failed trials exceed trials"] = new(DiagnosticCodes.FailedTrialsExceedTrials, P.FailedTrials, p => { p.Properties[P.Trials] = "3"; p.Properties[P.ParallelTrials] = "1"; p.Properties[P.FailedTrials] = "4"; }),
        ["cpu malformed"] = new(DiagnosticCodes.InvalidQuantity, P.Cpu, p => p.Properties[P.Cpu] = "abc"),
        ["memory with unknown suffix"] = new(DiagnosticCodes.InvalidQuantity, P.Memory, p => p.Properties[P.Memory] = "1GB"),
        ["builder limit negative"] = new(DiagnosticCodes.InvalidQuantity, P.BuilderCpuLimit, p => p.Properties[P.BuilderCpuLimit] = "-1"),
        ["serving memory malformed"] = new(DiagnosticCodes.InvalidQuantity, P.ServingMemory, p => p.Properties[P.ServingMemory] = "1.2.3Gi"),
        ["both cpu styles"] = new(DiagnosticCodes.BothResourceStyles, P.Cpu, p => { p.Properties[P.Cpu] = "1"; p.Properties[P.CpuRequest] = "500m"; }),
        ["both memory styles"] = new(DiagnosticCodes.BothResourceStyles, P.Memory, p => { p.Properties[P.Memory] = "1Gi"; p.Properties[P.MemoryLimit] = "2Gi"; }),
        ["algorithm unknown"] = new(DiagnosticCodes.UnknownAlgorithm, P.Algorithm, p => p.Properties[P.Algorithm] = "annealing"),
        ["s3 endpoint without scheme"] = new(DiagnosticCodes.InvalidS3Endpoint, P.S3Endpoint, p => p.Properties[P.S3Endpoint] = "127.0.0.1:9000"),
        ["s3 endpoint with path"] = new(DiagnosticCodes.InvalidS3Endpoint, P.S3Endpoint, p => p.Properties[P.S3Endpoint] = "http://minio:9000/bucket"),
        ["s3 endpoint with credentials"] = new(DiagnosticCodes.InvalidS3Endpoint, P.S3Endpoint, p => p.Properties[P.S3Endpoint] = "http://key:secret@minio:9000"),
        ["s3 endpoint ftp"] = new(DiagnosticCodes.InvalidS3Endpoint, P.S3Endpoint, p => p.Properties[P.S3Endpoint] = "ftp://minio"),
        ["image name upper case"] = new(DiagnosticCodes.InvalidImageReference, P.ImageName, p => p.Properties[P.ImageName] = "registry.local/Dev/Mnist"),
        ["image name bad tag"] = new(DiagnosticCodes.InvalidImageReference, P.ImageName, p => p.Properties[P.ImageName] = "registry.local/dev/mnist:-latest"),
        ["base image double colon"] = new(DiagnosticCodes.InvalidImageReference, P.BaseImage, p => p.Properties[P.BaseImage] = "python::3.11"),
        ["cache repository without the cache"] = new(DiagnosticCodes.BuilderCacheSettingWithoutCache, P.BuilderCacheRepository, p => p.Properties[P.BuilderCacheRepository] = "dev/mnist/cache"),
        ["cache ttl without the cache"] = new(DiagnosticCodes.BuilderCacheSettingWithoutCache, P.BuilderCacheTtl, p => p.Properties[P.BuilderCacheTtl] = "24h"),
        ["cache repository with a tag"] = new(DiagnosticCodes.InvalidBuilderCacheRepository, P.BuilderCacheRepository, p => { p.Properties[P.BuilderCache] = "true"; p.Properties[P.BuilderCacheRepository] = "dev/mnist/cache:v1"; }),
        ["cache ttl without a unit"] = new(DiagnosticCodes.InvalidBuilderCacheTtl, P.BuilderCacheTtl, p => { p.Properties[P.BuilderCache] = "true"; p.Properties[P.BuilderCacheTtl] = "24"; }),
        ["cache ttl in days"] = new(DiagnosticCodes.InvalidBuilderCacheTtl, P.BuilderCacheTtl, p => { p.Properties[P.BuilderCache] = "true"; p.Properties[P.BuilderCacheTtl] = "14d"; }),
        ["image builder unknown"] = new(DiagnosticCodes.UnknownImageBuilder, P.ImageBuilder, p => p.Properties[P.ImageBuilder] = "buildah"),
        ["append with the model's own dockerfile"] = new(DiagnosticCodes.AppendNeedsGeneratedDockerfile, P.ImageBuilder, p => { p.Properties[P.ImageBuilder] = "append"; p.Write("Dockerfile", "FROM python:3.11\n"); p.Properties[P.Dockerfile] = "Dockerfile"; }),
        ["cache malformed"] = new(DiagnosticCodes.InvalidBoolean, P.BuilderCache, p => p.Properties[P.BuilderCache] = "yes please"),
        ["builder image with spaces"] = new(DiagnosticCodes.InvalidImageReference, P.BuilderImage, p => p.Properties[P.BuilderImage] = "gcr.io/kaniko executor"),
        ["registry url with a path"] = new(DiagnosticCodes.InvalidImageReference, P.Registry, p => p.Properties[P.Registry] = "http://127.0.0.1:5000/v2"),
        ["registry url with another scheme"] = new(DiagnosticCodes.InvalidImageReference, P.Registry, p => p.Properties[P.Registry] = "ftp://127.0.0.1:5000"),
        ["registry not a host"] = new(DiagnosticCodes.InvalidImageReference, P.Registry, p => p.Properties[P.Registry] = "my registry"),
        ["deployment mode unknown"] = new(DiagnosticCodes.UnknownDeploymentMode, P.DeploymentMode, p => p.Properties[P.DeploymentMode] = "Knative"),
        ["serving api group unknown"] = new(DiagnosticCodes.UnknownServingApiGroup, P.ServingApiGroup, p => p.Properties[P.ServingApiGroup] = "serving.example.com"),
        ["objective type unknown"] = new(DiagnosticCodes.UnknownObjectiveType, P.ObjectiveType, p => p.Properties[P.ObjectiveType] = "optimize"),
        ["search parameter type unknown"] = new(DiagnosticCodes.UnknownSearchParameterType, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "momentum", ("Type", "float"), ("Min", "0"), ("Max", "1")))),
        ["search parameter type missing"] = new(DiagnosticCodes.UnknownSearchParameterType, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "momentum", ("Min", "0"), ("Max", "1")))),
        ["search parameter min equals max"] = new(DiagnosticCodes.SearchParameterMinNotLessThanMax, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "momentum", ("Type", "double"), ("Min", "0.5"), ("Max", "0.5")))),
        ["search parameter min above max"] = new(DiagnosticCodes.SearchParameterMinNotLessThanMax, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "layers", ("Type", "int"), ("Min", "8"), ("Max", "2")))),
        ["search parameter max missing"] = new(DiagnosticCodes.SearchParameterBounds, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "momentum", ("Type", "double"), ("Min", "0")))),
        ["categorical with min"] = new(DiagnosticCodes.SearchParameterBounds, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "act", ("Type", "categorical"), ("Values", "relu"), ("Min", "0")))),
        ["categorical list empty"] = new(DiagnosticCodes.SearchParameterValuesEmpty, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "act", ("Type", "categorical"), ("Values", " ; ")))),
        ["discrete list empty"] = new(DiagnosticCodes.SearchParameterValuesEmpty, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "units", ("Type", "discrete")))),
        ["discrete value not a number"] = new(DiagnosticCodes.SearchParameterInvalidNumber, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "units", ("Type", "discrete"), ("Values", "32;many")))),
        ["int bound not an integer"] = new(DiagnosticCodes.SearchParameterInvalidNumber, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "layers", ("Type", "int"), ("Min", "1.5"), ("Max", "4")))),
        ["double bound with comma"] = new(DiagnosticCodes.SearchParameterInvalidNumber, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "momentum", ("Type", "double"), ("Min", "0,1"), ("Max", "0.9")))),
        ["step zero"] = new(DiagnosticCodes.SearchParameterInvalidStep, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "layers", ("Type", "int"), ("Min", "1"), ("Max", "4"), ("Step", "0")))),
        ["step beyond range"] = new(DiagnosticCodes.SearchParameterInvalidStep, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "momentum", ("Type", "double"), ("Min", "0.1"), ("Max", "0.2"), ("Step", "0.5")))),
        ["hyperparameter duplicated"] = new(DiagnosticCodes.DuplicateItem, I.Hyperparameter, p => p.Items.Add(Item(I.Hyperparameter, "epochs", ("Value", "7")))),
        ["search parameter duplicated"] = new(DiagnosticCodes.DuplicateItem, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "lr", ("Type", "double"), ("Min", "0.1"), ("Max", "0.2")))),
        ["categorical value duplicated"] = new(DiagnosticCodes.DuplicateItem, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "act", ("Type", "categorical"), ("Values", "relu;relu")))),
        ["label duplicated"] = new(DiagnosticCodes.DuplicateItem, I.Label, p => { p.Items.Add(Item(I.Label, "team", ("Value", "a"))); p.Items.Add(Item(I.Label, "team", ("Value", "b"))); }),
        ["environment variable duplicated"] = new(DiagnosticCodes.DuplicateItem, I.EnvironmentVariable, p => { p.Items.Add(Item(I.EnvironmentVariable, "MODE", ("Value", "a"))); p.Items.Add(Item(I.EnvironmentVariable, "MODE", ("Value", "b"))); }),
        ["label value invalid"] = new(DiagnosticCodes.InvalidLabel, I.Label, p => p.Items.Add(Item(I.Label, "team", ("Value", "data science")))),
        ["label key invalid"] = new(DiagnosticCodes.InvalidLabel, I.Label, p => p.Items.Add(Item(I.Label, "-team", ("Value", "ds")))),
        ["label key reserved"] = new(DiagnosticCodes.InvalidLabel, I.Label, p => p.Items.Add(Item(I.Label, "kaptain.build/run", ("Value", "0123456789")))),
        ["environment variable name invalid"] = new(DiagnosticCodes.InvalidEnvironmentVariableName, I.EnvironmentVariable, p => p.Items.Add(Item(I.EnvironmentVariable, "1MODE", ("Value", "x")))),
        ["file outside project"] = new(DiagnosticCodes.FileOutsideProject, I.File, p => p.Items.Add(Item(I.File, OutsideFile(p)))),
        ["link escaping the context"] = new(DiagnosticCodes.FileOutsideProject, I.File, p => p.Items.Add(Item(I.File, p.Write("data.csv", "1"), ("Link", "../data.csv")))),
        ["canary percent above 100"] = new(DiagnosticCodes.CanaryPercentOutOfRange, P.CanaryTrafficPercent, p => p.Properties[P.CanaryTrafficPercent] = "150"),
        ["canary percent negative"] = new(DiagnosticCodes.CanaryPercentOutOfRange, P.CanaryTrafficPercent, p => p.Properties[P.CanaryTrafficPercent] = "-5"),
        ["canary on raw deployment"] = new(DiagnosticCodes.CanaryNeedsServerless, P.CanaryTrafficPercent, p => { p.Properties[P.CanaryTrafficPercent] = "10"; p.Properties[P.DeploymentMode] = "RawDeployment"; }),
        ["no base image for version"] = new(DiagnosticCodes.NoDefaultBaseImage, P.BaseImage, p => p.Properties[P.FrameworkVersion] = "1.0.0"),
        ["objective goal not a number"] = new(DiagnosticCodes.InvalidNumber, P.ObjectiveGoal, p => p.Properties[P.ObjectiveGoal] = "high"),
        ["property unknown"] = new(DiagnosticCodes.UnknownProperty, "KaptainWorker", p => p.Properties["KaptainWorker"] = "3"),
        ["signature version unknown"] = new(DiagnosticCodes.UnknownSignatureVersion, P.S3SignatureVersion, p => p.Properties[P.S3SignatureVersion] = "v3"),
        ["model storage uri scheme"] = new(DiagnosticCodes.InvalidStorageUri, P.ModelStorageUri, p => p.Properties[P.ModelStorageUri] = "ftp://models/x"),
        ["model uri not a uri"] = new(DiagnosticCodes.InvalidStorageUri, P.ModelUri, p => p.Properties[P.ModelUri] = "models/dev/mnist"),
        ["hyperparameter name with dashes"] = new(DiagnosticCodes.InvalidParameterName, I.Hyperparameter, p => p.Items.Add(Item(I.Hyperparameter, "--lr", ("Value", "1")))),
        ["search parameter name with braces"] = new(DiagnosticCodes.InvalidParameterName, I.SearchParameter, p => p.Items.Add(Item(I.SearchParameter, "a{b}", ("Type", "categorical"), ("Values", "x")))),
        ["request exceeds limit"] = new(DiagnosticCodes.RequestExceedsLimit, P.CpuRequest, p => { p.Properties[P.CpuRequest] = "2"; p.Properties[P.CpuLimit] = "1500m"; }),
        ["builder memory request exceeds limit"] = new(DiagnosticCodes.RequestExceedsLimit, P.BuilderMemoryRequest, p => p.Properties[P.BuilderMemoryRequest] = "2Gi"),
        ["image name with digest"] = new(DiagnosticCodes.ImageNameHasDigest, P.ImageName, p => p.Properties[P.ImageName] = "registry.local/dev/mnist@sha256:" + new string('a', 64)),
        ["objective repeated"] = new(DiagnosticCodes.InvalidObjective, P.Objectives, p => p.Properties[P.Objectives] = "accuracy;accuracy"),
        ["objective not a metric name"] = new(DiagnosticCodes.InvalidObjective, P.Objectives, p => p.Properties[P.Objectives] = "val accuracy"),
        ["min replicas exceed max"] = new(DiagnosticCodes.MinReplicasExceedMax, P.MinReplicas, p => { p.Properties[P.MinReplicas] = "3"; p.Properties[P.MaxReplicas] = "2"; }),
        ["item type unknown"] = new(DiagnosticCodes.UnknownItemType, "KaptainFiles", p => p.Items.Add(Item("KaptainFiles", "train.py"))),
        ["bucket name invalid"] = new(DiagnosticCodes.InvalidBucketName, P.S3Bucket, p => p.Properties[P.S3Bucket] = "My_Bucket"),
        ["grid without step"] = new(DiagnosticCodes.GridNeedsStep, I.SearchParameter, p => p.Properties[P.Algorithm] = "grid"),
        ["hyperparameter without value"] = new(DiagnosticCodes.MissingItemMetadata, I.Hyperparameter, p => p.Items.Add(Item(I.Hyperparameter, "momentum"))),
        ["algorithm setting without value"] = new(DiagnosticCodes.MissingItemMetadata, I.AlgorithmSetting, p => p.Items.Add(Item(I.AlgorithmSetting, "random_state"))),
        ["model version with slash"] = new(DiagnosticCodes.InvalidModelVersion, P.ModelVersion, p => p.Properties[P.ModelVersion] = "1/0"),
        ["hyperband without settings"] = new(DiagnosticCodes.HyperbandSettings, I.AlgorithmSetting, p => p.Properties[P.Algorithm] = "hyperband"),
        ["hyperband resource not a parameter"] = new(DiagnosticCodes.HyperbandSettings, I.AlgorithmSetting, p =>
        {
            p.Properties[P.Algorithm] = "hyperband";
            p.Items.Add(Item(I.AlgorithmSetting, "r_l", ("Value", "9")));
            p.Items.Add(Item(I.AlgorithmSetting, "resource_name", ("Value", "epochs")));
        }),
        ["hyperband too few parallel trials"] = new(DiagnosticCodes.HyperbandSettings, P.ParallelTrials, p =>
        {
            p.Properties[P.Algorithm] = "hyperband";
            p.Items.Add(Item(I.AlgorithmSetting, "r_l", ("Value", "9")));
            p.Items.Add(Item(I.AlgorithmSetting, "resource_name", ("Value", "batch-size")));
        }),
        ["raw deployment with legacy group"] = new(DiagnosticCodes.RawDeploymentNeedsKServe, P.DeploymentMode, p => { p.Properties[P.DeploymentMode] = "RawDeployment"; p.Properties[P.ServingApiGroup] = "serving.kubeflow.org"; }),
    };

    public static TheoryData<string> RuleNames => [.. Rules.Keys];

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Invalid_definition_is_rejected_with_the_rule_code(string rule)
    {
        var (code, subject, breakIt) = Rules[rule];
        using var project = new TestModelProject();
        Assert.True(project.Read().Succeeded, "the base model must be valid for the row to mean anything");

        breakIt(project);
        var result = project.Read();

        Assert.Null(result.Model);
        Assert.Contains(result.Diagnostics, d => d.Code == code && d.Subject == subject);
        Assert.All(result.Diagnostics, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
    }

    [Fact]
    public void Every_model_validation_code_has_a_row()
    {
        var codes = typeof(DiagnosticCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        var covered = Rules.Values.Select(r => r.Code).ToHashSet();
        covered.Add(DiagnosticCodes.TuneNeedsObjectives);
        covered.Add(DiagnosticCodes.TuneNeedsSearchParameters);
        Assert.Empty(codes.Except(covered));
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        using var project = new TestModelProject();
        project.Properties[P.Framework] = "jax";
        project.Properties[P.Cpu] = "abc";
        project.Properties[P.Workers] = "0";
        project.Properties[P.S3Endpoint] = "minio:9000";
        project.Items.Add(Item(I.SearchParameter, "act", ("Type", "categorical")));

        var codes = project.Read().Diagnostics.Select(d => d.Code).ToList();

        Assert.Equal(
            new[] { DiagnosticCodes.UnknownFramework, DiagnosticCodes.InvalidS3Endpoint, DiagnosticCodes.NotPositive, DiagnosticCodes.InvalidQuantity, DiagnosticCodes.SearchParameterValuesEmpty }.Order(),
            codes.Order());
    }

    [Fact]
    public void Tuning_needs_objectives_and_a_search_space()
    {
        using var project = new TestModelProject();
        project.Properties.Remove(P.Objectives);
        project.Items.RemoveAll(i => i.ItemType == I.SearchParameter);
        var model = project.Model();

        var problems = ManifestRenderer.Check(model, LifecycleStep.Tune);

        Assert.Contains(problems, d => d.Code == DiagnosticCodes.TuneNeedsObjectives && d.Subject == P.Objectives);
        Assert.Contains(problems, d => d.Code == DiagnosticCodes.TuneNeedsSearchParameters && d.Subject == I.SearchParameter);
        Assert.Empty(ManifestRenderer.Check(model, LifecycleStep.Train));
        var thrown = Assert.Throws<Kaptain.Build.Diagnostics.KaptainException>(
            () => ManifestRenderer.Render(model, LifecycleStep.Tune, new RunContext
            {
                RunId = "0123456789",
                Namespace = "default",
                Image = model.Image.WithTag("1"),
                ContextObjectKey = "k",
            }));
        Assert.Equal(2, thrown.Diagnostics.Count);
    }

    private static string OutsideFile(TestModelProject project)
    {
        var path = Path.Combine(project.Root, "outside.txt");
        File.WriteAllText(path, "outside");
        return path;
    }
}
