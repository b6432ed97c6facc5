namespace Kaptain.Build.Cluster;

/// <summary>Where the cluster configuration came from; reported so a user sees which cluster a build talks to.</summary>
public enum KubeconfigSource
{
    /// <summary>The <c>KaptainKubeconfig</c> property.</summary>
    Property,

    /// <summary>The <c>KUBECONFIG</c> environment variable.</summary>
    EnvironmentVariable,

    /// <summary>The user's <c>~/.kube/config</c>.</summary>
    HomeDirectory,

    /// <summary>The service account of the pod the build runs in.</summary>
    InCluster,
}
