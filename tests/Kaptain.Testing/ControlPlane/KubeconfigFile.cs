namespace Kaptain.Testing.ControlPlane;

/// <summary>Renders a kubeconfig with one cluster, one bearer-token user and one current context.</summary>
public static class KubeconfigFile
{
    /// <summary>The kubeconfig YAML; <paramref name="caCertificate"/> (DER) is the server's CA for an https server.</summary>
    public static string Render(Uri server, string token, string defaultNamespace, byte[]? caCertificate, string user = "test-user")
    {
        var ca = caCertificate is null
            ? ""
            : $"\n    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Pem(caCertificate)))}";
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: under-test
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}{ca}
            users:
            - name: {user}
              user:
                token: {token}
            contexts:
            - name: under-test
              context:
                cluster: under-test
                user: {user}
                namespace: {defaultNamespace}
            current-context: under-test

            """;
    }

    private static string Pem(byte[] der) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r", "", StringComparison.Ordinal) + "\n-----END CERTIFICATE-----\n";
}
