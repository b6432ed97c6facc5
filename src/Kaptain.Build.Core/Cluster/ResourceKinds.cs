namespace Kaptain.Build.Cluster;

/// <summary>The kinds the lifecycle creates, watches or cleans up.</summary>
public static class ResourceKinds
{
    /// <summary>Core <c>v1</c> Secret (registry and S3 credentials).</summary>
    public static ResourceKind Secret { get; } = new("", "v1", "Secret", "secrets", DeletePropagation.Background);

    /// <summary>Core <c>v1</c> ServiceAccount (the InferenceService's S3 access).</summary>
    public static ResourceKind ServiceAccount { get; } = new("", "v1", "ServiceAccount", "serviceaccounts", DeletePropagation.Background);

    /// <summary>Core <c>v1</c> Pod.</summary>
    public static ResourceKind Pod { get; } = new("", "v1", "Pod", "pods", DeletePropagation.Background);

    /// <summary>Core <c>v1</c> Event.</summary>
    public static ResourceKind Event { get; } = new("", "v1", "Event", "events", DeletePropagation.Background);

    /// <summary><c>batch/v1</c> Job (the Kaniko image build).</summary>
    public static ResourceKind Job { get; } = new("batch", "v1", "Job", "jobs", DeletePropagation.Foreground);

    /// <summary><c>kubeflow.org/v1</c> TFJob.</summary>
    public static ResourceKind TFJob { get; } = new("kubeflow.org", "v1", "TFJob", "tfjobs", DeletePropagation.Foreground);

    /// <summary><c>kubeflow.org/v1</c> PyTorchJob.</summary>
    public static ResourceKind PyTorchJob { get; } = new("kubeflow.org", "v1", "PyTorchJob", "pytorchjobs", DeletePropagation.Foreground);

    /// <summary>Katib <c>kubeflow.org/v1beta1</c> Experiment.</summary>
    public static ResourceKind Experiment { get; } = new("kubeflow.org", "v1beta1", "Experiment", "experiments", DeletePropagation.Foreground);

    /// <summary>Katib <c>kubeflow.org/v1beta1</c> Trial.</summary>
    public static ResourceKind Trial { get; } = new("kubeflow.org", "v1beta1", "Trial", "trials", DeletePropagation.Foreground);

    /// <summary>KServe <c>serving.kserve.io/v1beta1</c> InferenceService.</summary>
    public static ResourceKind InferenceService { get; } =
        new("serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices", DeletePropagation.Foreground);

    /// <summary>The legacy KFServing <c>serving.kubeflow.org/v1beta1</c> InferenceService.</summary>
    public static ResourceKind KfServingInferenceService { get; } =
        new("serving.kubeflow.org", "v1beta1", "InferenceService", "inferenceservices", DeletePropagation.Foreground);

    /// <summary>The legacy KFServing <c>serving.kubeflow.org/v1alpha2</c> InferenceService.</summary>
    public static ResourceKind KfServingInferenceServiceV1Alpha2 { get; } =
        new("serving.kubeflow.org", "v1alpha2", "InferenceService", "inferenceservices", DeletePropagation.Foreground);

    /// <summary>Knative <c>serving.knative.dev/v1</c> Revision (old InferenceService revisions are pruned).</summary>
    public static ResourceKind KnativeRevision { get; } =
        new("serving.knative.dev", "v1", "Revision", "revisions", DeletePropagation.Background);

    /// <summary>apps/v1 Deployment (read only: a RawDeployment predictor's rollout).</summary>
    public static ResourceKind Deployment { get; } = new("apps", "v1", "Deployment", "deployments", DeletePropagation.Foreground);

    /// <summary>Not a resource: names the discovery request in errors about reaching the server.</summary>
    internal static ResourceKind ApiDiscovery { get; } = new("", "v1", "APIResourceList", "api/v1", DeletePropagation.Background);

    /// <summary>Not a kind of its own: names the pod log subresource in errors.</summary>
    internal static ResourceKind PodLog { get; } = new("", "v1", "Pod", "pods/log", DeletePropagation.Background);

    /// <summary>Every kind above, in the order a sweep deletes them: owners first, then what they use.</summary>
    public static IReadOnlyList<ResourceKind> All { get; } =
    [
        Experiment, TFJob, PyTorchJob, Job, InferenceService, KfServingInferenceService,
        KfServingInferenceServiceV1Alpha2, KnativeRevision, Trial, Pod, ServiceAccount, Secret, Event,
    ];

    /// <summary>The kind with this <c>apiVersion</c> and <c>kind</c>.</summary>
    /// <exception cref="ArgumentException">The pair is not one of the kinds the lifecycle uses.</exception>
    public static ResourceKind Get(string apiVersion, string kind) =>
        All.FirstOrDefault(candidate =>
            string.Equals(candidate.ApiVersion, apiVersion, StringComparison.Ordinal)
            && string.Equals(candidate.Kind, kind, StringComparison.Ordinal))
        ?? throw new ArgumentException($"'{kind}' in '{apiVersion}' is not a kind Kaptain.Build manages.", nameof(kind));
}
