namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>Writes small kubeconfig files for resolution tests.</summary>
internal static class KubeconfigFiles
{
    public static string Single(string context, string server, string? @namespace = null, string? currentContext = "same") =>
        $"""
        apiVersion: v1
        kind: Config
        {(currentContext is null ? "" : $"current-context: {(currentContext == "same" ? context : currentContext)}")}
        clusters:
        - name: {context}-cluster
          cluster:
            server: {server}
        users:
        - name: {context}-user
          user:
            token: not-a-real-token
        contexts:
        - name: {context}
          context:
            cluster: {context}-cluster
            user: {context}-user
        {(@namespace is null ? "" : $"    namespace: {@namespace}")}
        """;
}
