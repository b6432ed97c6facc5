namespace Kaptain.LocalCluster.Hosting;

/// <summary>Renders the kubeconfig that points kubectl and KubernetesClient at a local cluster.</summary>
public static class Kubeconfig
{
    /// <summary>The name of the cluster, context and user in the kubeconfig.</summary>
    public const string ContextName = "kaptain-local";

    /// <summary>A kubeconfig with one cluster (plain HTTP on 127.0.0.1), one user (a bearer token) and one current context.</summary>
    public static string Render(Uri server, string token, string defaultNamespace = "default") => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {{ContextName}}
          cluster:
            server: {{server.GetLeftPart(UriPartial.Authority)}}
        contexts:
        - name: {{ContextName}}
          context:
            cluster: {{ContextName}}
            user: {{ContextName}}
            namespace: {{defaultNamespace}}
        current-context: {{ContextName}}
        users:
        - name: {{ContextName}}
          user:
            token: {{token}}
        preferences: {}

        """;
}
