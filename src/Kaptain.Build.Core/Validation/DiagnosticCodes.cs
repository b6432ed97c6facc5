namespace Kaptain.Build.Validation;

/// <summary>The codes of model-definition diagnostics (KAPT2001-2199); each has a Messages.resx entry and a docs/errors.md section.</summary>
public static class DiagnosticCodes
{
    /// <summary>A required property is empty.</summary>
    public const string RequiredPropertyMissing = "KAPT2001";

    /// <summary><c>KaptainFramework</c> is not tensorflow or pytorch.</summary>
    public const string UnknownFramework = "KAPT2002";

    /// <summary>A file named by a property or item does not exist.</summary>
    public const string FileNotFound = "KAPT2003";

    /// <summary><c>KaptainModelId</c> is not lowercase segments separated by '/'.</summary>
    public const string InvalidModelId = "KAPT2004";

    /// <summary>A name cannot become a Kubernetes name.</summary>
    public const string InvalidKubernetesName = "KAPT2005";

    /// <summary>A boolean property is not true or false.</summary>
    public const string InvalidBoolean = "KAPT2006";

    /// <summary>An integer property is not an integer.</summary>
    public const string InvalidInteger = "KAPT2007";

    /// <summary>A count or duration is zero or negative.</summary>
    public const string NotPositive = "KAPT2008";

    /// <summary><c>KaptainParallelTrials</c> exceeds <c>KaptainTrials</c>.</summary>
    public const string ParallelTrialsExceedTrials = "KAPT2009";

    /// <summary><c>KaptainFailedTrials</c> exceeds <c>KaptainTrials</c>.</summary>
    public const string FailedTrialsExceedTrials = "KAPT2010";

    /// <summary>A resource quantity is malformed.</summary>
    public const string InvalidQuantity = "KAPT2011";

    /// <summary>Both the single-value and the request/limit resource style are used.</summary>
    public const string BothResourceStyles = "KAPT2012";

    /// <summary><c>KaptainAlgorithm</c> is not a known Katib algorithm.</summary>
    public const string UnknownAlgorithm = "KAPT2013";

    /// <summary><c>KaptainS3Endpoint</c> is malformed.</summary>
    public const string InvalidS3Endpoint = "KAPT2014";

    /// <summary>An image reference is malformed.</summary>
    public const string InvalidImageReference = "KAPT2015";

    /// <summary><c>KaptainDeploymentMode</c> is unknown.</summary>
    public const string UnknownDeploymentMode = "KAPT2016";

    /// <summary><c>KaptainServingApiGroup</c> is unknown.</summary>
    public const string UnknownServingApiGroup = "KAPT2017";

    /// <summary><c>KaptainObjectiveType</c> is unknown.</summary>
    public const string UnknownObjectiveType = "KAPT2018";

    /// <summary>A search parameter's <c>Type</c> is unknown.</summary>
    public const string UnknownSearchParameterType = "KAPT2019";

    /// <summary>A search parameter's <c>Min</c> is not less than its <c>Max</c>.</summary>
    public const string SearchParameterMinNotLessThanMax = "KAPT2020";

    /// <summary>A double or int search parameter lacks <c>Min</c> or <c>Max</c>, or a list parameter has them.</summary>
    public const string SearchParameterBounds = "KAPT2021";

    /// <summary>A discrete or categorical search parameter has no values.</summary>
    public const string SearchParameterValuesEmpty = "KAPT2022";

    /// <summary>A search parameter's number is malformed.</summary>
    public const string SearchParameterInvalidNumber = "KAPT2023";

    /// <summary>A search parameter's <c>Step</c> is not positive or exceeds the range.</summary>
    public const string SearchParameterInvalidStep = "KAPT2024";

    /// <summary>Two items of one type have the same name.</summary>
    public const string DuplicateItem = "KAPT2025";

    /// <summary>Tuning needs <c>KaptainObjectives</c>.</summary>
    public const string TuneNeedsObjectives = "KAPT2026";

    /// <summary>Tuning needs <c>KaptainSearchParameter</c> items.</summary>
    public const string TuneNeedsSearchParameters = "KAPT2027";

    /// <summary>A <c>KaptainLabel</c> has an invalid or reserved key or an invalid value.</summary>
    public const string InvalidLabel = "KAPT2028";

    /// <summary>A <c>KaptainEnvironmentVariable</c> name is invalid.</summary>
    public const string InvalidEnvironmentVariableName = "KAPT2029";

    /// <summary>A file lies outside the project directory and has no <c>Link</c>.</summary>
    public const string FileOutsideProject = "KAPT2030";

    /// <summary><c>KaptainCanaryTrafficPercent</c> is not 0-100.</summary>
    public const string CanaryPercentOutOfRange = "KAPT2031";

    /// <summary><c>KaptainCanaryTrafficPercent</c> with <c>KaptainDeploymentMode=RawDeployment</c>: KServe has no canary there.</summary>
    public const string CanaryNeedsServerless = "KAPT2100";

    /// <summary>There is no default base image for the framework version.</summary>
    public const string NoDefaultBaseImage = "KAPT2032";

    /// <summary>A number property is malformed.</summary>
    public const string InvalidNumber = "KAPT2033";

    /// <summary>A property with the <c>Kaptain</c> prefix is not known.</summary>
    public const string UnknownProperty = "KAPT2034";

    /// <summary><c>KaptainS3SignatureVersion</c> is unknown.</summary>
    public const string UnknownSignatureVersion = "KAPT2035";

    /// <summary>A storage URI is malformed or has an unsupported scheme.</summary>
    public const string InvalidStorageUri = "KAPT2036";

    /// <summary>A hyperparameter or search parameter name cannot be a command-line option.</summary>
    public const string InvalidParameterName = "KAPT2037";

    /// <summary>A resource request exceeds its limit.</summary>
    public const string RequestExceedsLimit = "KAPT2038";

    /// <summary>The model image name carries a digest.</summary>
    public const string ImageNameHasDigest = "KAPT2039";

    /// <summary>An objective metric is listed twice or is not a metric name.</summary>
    public const string InvalidObjective = "KAPT2040";

    /// <summary><c>KaptainMinReplicas</c> exceeds <c>KaptainMaxReplicas</c>.</summary>
    public const string MinReplicasExceedMax = "KAPT2041";

    /// <summary>An item type with the <c>Kaptain</c> prefix is not known.</summary>
    public const string UnknownItemType = "KAPT2042";

    /// <summary><c>KaptainS3Bucket</c> is not a valid bucket name.</summary>
    public const string InvalidBucketName = "KAPT2043";

    /// <summary>The grid algorithm needs a <c>Step</c> for double parameters.</summary>
    public const string GridNeedsStep = "KAPT2044";

    /// <summary>An item lacks required metadata.</summary>
    public const string MissingItemMetadata = "KAPT2045";

    /// <summary><c>KaptainModelVersion</c> is not usable in a storage path and label.</summary>
    public const string InvalidModelVersion = "KAPT2046";

    /// <summary>RawDeployment was chosen with the legacy serving.kubeflow.org API group.</summary>
    public const string RawDeploymentNeedsKServe = "KAPT2047";

    /// <summary>The hyperband algorithm's settings do not satisfy Katib's hyperband suggestion service.</summary>
    public const string HyperbandSettings = "KAPT2048";

    /// <summary><c>KaptainBuilderCacheRepository</c> or <c>KaptainBuilderCacheTtl</c> is set without <c>KaptainBuilderCache</c>.</summary>
    public const string BuilderCacheSettingWithoutCache = "KAPT2080";

    /// <summary><c>KaptainBuilderCacheRepository</c> is not a repository (or has a tag or digest).</summary>
    public const string InvalidBuilderCacheRepository = "KAPT2081";

    /// <summary><c>KaptainBuilderCacheTtl</c> is not a duration Kaniko reads.</summary>
    public const string InvalidBuilderCacheTtl = "KAPT2082";

    /// <summary><c>KaptainImageBuilder</c> is not kaniko, append or auto.</summary>
    public const string UnknownImageBuilder = "KAPT2083";

    /// <summary><c>KaptainImageBuilder</c> is append with the model's own Dockerfile.</summary>
    public const string AppendNeedsGeneratedDockerfile = "KAPT2084";
}
