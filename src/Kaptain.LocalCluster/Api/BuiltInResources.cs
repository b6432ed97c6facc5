namespace Kaptain.LocalCluster.Api;

/// <summary>The resource types served besides the CRDs: the core, batch and apps kinds, and Knative Serving.</summary>
public static class BuiltInResources
{
    private static ResourceType Core(string kind, string plural, bool namespaced = true, bool status = false, string[]? shortNames = null) =>
        new() { Group = "", Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(), Namespaced = namespaced, HasStatusSubresource = status, ShortNames = shortNames ?? [] };

    /// <summary>Namespaces (cluster-scoped).</summary>
    public static readonly ResourceType Namespace = Core("Namespace", "namespaces", namespaced: false, status: true, shortNames: ["ns"]) with { SelectableFields = ["status.phase"] };

    /// <summary>Secrets.</summary>
    public static readonly ResourceType Secret = Core("Secret", "secrets") with { SelectableFields = ["type"] };

    /// <summary>ConfigMaps.</summary>
    public static readonly ResourceType ConfigMap = Core("ConfigMap", "configmaps", shortNames: ["cm"]);

    /// <summary>ServiceAccounts.</summary>
    public static readonly ResourceType ServiceAccount = Core("ServiceAccount", "serviceaccounts", shortNames: ["sa"]) with { ExtraSubresources = ["token"] };

    /// <summary>Nodes (cluster-scoped), for a simulated kubelet to register.</summary>
    public static readonly ResourceType Node = Core("Node", "nodes", namespaced: false, status: true, shortNames: ["no"]);

    /// <summary>Pods, with <c>pods/log</c>.</summary>
    public static readonly ResourceType Pod = Core("Pod", "pods", status: true, shortNames: ["po"]) with
    {
        Categories = ["all"],
        ExtraSubresources = ["log", "binding"],
        SelectableFields = ["status.phase", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.podIP", "status.nominatedNodeName"],
    };

    /// <summary>Services.</summary>
    public static readonly ResourceType Service = Core("Service", "services", status: true, shortNames: ["svc"]) with { Categories = ["all"] };

    /// <summary>Events (core/v1).</summary>
    public static readonly ResourceType Event = Core("Event", "events", shortNames: ["ev"]) with
    {
        SelectableFields = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
    };

    /// <summary>batch/v1 Jobs.</summary>
    public static readonly ResourceType Job = new()
    {
        Group = "batch", Version = "v1", Kind = "Job", Plural = "jobs", Singular = "job", Namespaced = true,
        HasStatusSubresource = true, TracksGeneration = true, Categories = ["all"], SelectableFields = ["status.successful"],
    };

    /// <summary>apps/v1 Deployments.</summary>
    public static readonly ResourceType Deployment = new()
    {
        Group = "apps", Version = "v1", Kind = "Deployment", Plural = "deployments", Singular = "deployment", Namespaced = true,
        HasStatusSubresource = true, TracksGeneration = true, ShortNames = ["deploy"], Categories = ["all"],
    };

    /// <summary>apps/v1 ReplicaSets (for a Deployment controller that wants them).</summary>
    public static readonly ResourceType ReplicaSet = new()
    {
        Group = "apps", Version = "v1", Kind = "ReplicaSet", Plural = "replicasets", Singular = "replicaset", Namespaced = true,
        HasStatusSubresource = true, TracksGeneration = true, ShortNames = ["rs"], Categories = ["all"], SelectableFields = ["status.replicas"],
    };

    private static ResourceType Knative(string kind, string plural, string[] shortNames) => new()
    {
        Group = "serving.knative.dev", Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(),
        Namespaced = true, HasStatusSubresource = true, TracksGeneration = true, IsCustomResource = true,
        ShortNames = shortNames, Categories = ["all", "knative", "serving"],
    };

    /// <summary>Knative Serving Services (<c>ksvc</c>).</summary>
    public static readonly ResourceType KnativeService = Knative("Service", "services", ["kservice", "ksvc"]);

    /// <summary>Knative Serving Routes.</summary>
    public static readonly ResourceType KnativeRoute = Knative("Route", "routes", ["rt"]);

    /// <summary>Knative Serving Revisions.</summary>
    public static readonly ResourceType KnativeRevision = Knative("Revision", "revisions", ["rev"]);

    /// <summary>Knative Serving Configurations.</summary>
    public static readonly ResourceType KnativeConfiguration = Knative("Configuration", "configurations", ["config", "cfg"]);

    /// <summary>The CustomResourceDefinitions themselves (read by <c>kubectl get crd</c>; cluster-scoped).</summary>
    public static readonly ResourceType CustomResourceDefinition = new()
    {
        Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions",
        Singular = "customresourcedefinition", Namespaced = false, HasStatusSubresource = true, TracksGeneration = true, ShortNames = ["crd", "crds"],
    };

    private static ResourceType Rbac(string kind, string plural, bool namespaced) => new()
    {
        Group = "rbac.authorization.k8s.io", Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(), Namespaced = namespaced,
    };

    /// <summary>RBAC Roles.</summary>
    public static readonly ResourceType Role = Rbac("Role", "roles", namespaced: true);

    /// <summary>RBAC RoleBindings.</summary>
    public static readonly ResourceType RoleBinding = Rbac("RoleBinding", "rolebindings", namespaced: true);

    /// <summary>RBAC ClusterRoles (cluster-scoped).</summary>
    public static readonly ResourceType ClusterRole = Rbac("ClusterRole", "clusterroles", namespaced: false);

    /// <summary>RBAC ClusterRoleBindings (cluster-scoped).</summary>
    public static readonly ResourceType ClusterRoleBinding = Rbac("ClusterRoleBinding", "clusterrolebindings", namespaced: false);

    /// <summary>All built-in types.</summary>
    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Namespace, Secret, ConfigMap, ServiceAccount, Node, Pod, Service, Event, Job, Deployment, ReplicaSet,
        Role, RoleBinding, ClusterRole, ClusterRoleBinding,
        KnativeService, KnativeRoute, KnativeRevision, KnativeConfiguration, CustomResourceDefinition,
    ];
}
