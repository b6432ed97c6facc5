using Xunit;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class KubernetesConnectionTests
{
    [Fact]
    public void KUBECONFIG_files_merge_with_the_first_file_winning_as_kubectl_does()
    {
        using var temp = new TempFolder();
        var first = temp.Write("first.yaml", KubeconfigFiles.Single("alpha", "http://127.0.0.1:1001", "team-a"));
        // The second file's current-context loses to the first's; its context "beta" is still usable by name.
        var second = temp.Write("second.yaml", KubeconfigFiles.Single("beta", "http://127.0.0.1:1002", "team-b"));
        var environment = new TestEnvironment();
        environment.Variables["KUBECONFIG"] = string.Join(Path.PathSeparator, first, second);

        using var byDefault = KubernetesConnection.Open(new ClusterConnectionOptions(), environment);
        using var byName = KubernetesConnection.Open(new ClusterConnectionOptions { Context = "beta" }, environment);

        Assert.Equal("alpha", byDefault.ContextName);
        Assert.Equal("http://127.0.0.1:1001", byDefault.Server);
        Assert.Equal("team-a", byDefault.Namespace);
        Assert.Equal("beta", byName.ContextName);
        Assert.Equal("http://127.0.0.1:1002", byName.Server);
        Assert.Equal("team-b", byName.Namespace);
        Assert.Equal([first, second], byName.Location.Files);
    }

    [Fact]
    public void A_context_that_skips_the_servers_certificate_check_is_a_KAPT5020_warning()
    {
        using var temp = new TempFolder();
        var insecure = temp.Write("insecure.yaml", KubeconfigFiles.Single("risky", "https://127.0.0.1:6443").Replace(
            "server: https://127.0.0.1:6443", "server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true", StringComparison.Ordinal));
        var verified = temp.Write("verified.yaml", KubeconfigFiles.Single("fine", "https://127.0.0.1:6443"));
        var environment = new TestEnvironment();

        using var risky = KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = insecure }, environment);
        using var fine = KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = verified }, environment);

        var warning = Assert.Single(risky.Warnings);
        Assert.Equal(("KAPT5020", DiagnosticSeverity.Warning), (warning.Code, warning.Severity));
        Assert.Contains("risky", warning.Message, StringComparison.Ordinal);
        Assert.Empty(fine.Warnings);
    }

    [Fact]
    public void The_current_context_comes_from_a_later_file_when_the_first_sets_none()
    {
        using var temp = new TempFolder();
        var first = temp.Write("first.yaml", KubeconfigFiles.Single("alpha", "http://127.0.0.1:1001", currentContext: null));
        var second = temp.Write("second.yaml", KubeconfigFiles.Single("beta", "http://127.0.0.1:1002"));
        var environment = new TestEnvironment();
        environment.Variables["KUBECONFIG"] = string.Join(Path.PathSeparator, first, second);

        using var connection = KubernetesConnection.Open(new ClusterConnectionOptions(), environment);

        Assert.Equal("beta", connection.ContextName);
    }

    [Fact]
    public void The_namespace_is_the_property_else_the_contexts_else_default()
    {
        using var temp = new TempFolder();
        var withNamespace = temp.Write("with.yaml", KubeconfigFiles.Single("c", "http://127.0.0.1:1", "from-context"));
        var without = temp.Write("without.yaml", KubeconfigFiles.Single("c", "http://127.0.0.1:1"));
        var environment = new TestEnvironment();

        using var fromProperty = KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = withNamespace, Namespace = "from-property" }, environment);
        using var fromContext = KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = withNamespace }, environment);
        using var fallback = KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = without }, environment);

        Assert.Equal("from-property", fromProperty.Namespace);
        Assert.Equal("from-context", fromContext.Namespace);
        Assert.Equal("default", fallback.Namespace);
    }

    [Fact]
    public void An_unknown_context_is_KAPT1003()
    {
        using var temp = new TempFolder();
        var file = temp.Write("config.yaml", KubeconfigFiles.Single("alpha", "http://127.0.0.1:1"));

        var error = Assert.Throws<KaptainException>(() => KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = file, Context = "gamma" }, new TestEnvironment()));

        Assert.Equal("KAPT1003", Assert.Single(error.Diagnostics).Code);
        Assert.Equal("KaptainKubeContext", error.Diagnostics[0].Subject);
    }

    [Fact]
    public void No_current_context_and_no_property_is_KAPT1004()
    {
        using var temp = new TempFolder();
        var file = temp.Write("config.yaml", KubeconfigFiles.Single("alpha", "http://127.0.0.1:1", currentContext: null));

        var error = Assert.Throws<KaptainException>(() => KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = file }, new TestEnvironment()));

        Assert.Equal("KAPT1004", Assert.Single(error.Diagnostics).Code);
    }

    [Fact]
    public void A_file_that_is_not_a_kubeconfig_is_KAPT1005()
    {
        using var temp = new TempFolder();
        var file = temp.Write("config.yaml", "clusters: [ this is : not yaml");

        var error = Assert.Throws<KaptainException>(() => KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = file }, new TestEnvironment()));

        Assert.Equal("KAPT1005", Assert.Single(error.Diagnostics).Code);
    }

    [Fact]
    public void A_context_whose_cluster_is_missing_is_KAPT1005()
    {
        using var temp = new TempFolder();
        var file = temp.Write("config.yaml", """
            apiVersion: v1
            kind: Config
            current-context: broken
            clusters: []
            users: []
            contexts:
            - name: broken
              context:
                cluster: nowhere
                user: nobody
            """);

        var error = Assert.Throws<KaptainException>(() => KubernetesConnection.Open(
            new ClusterConnectionOptions { Kubeconfig = file }, new TestEnvironment()));

        Assert.Equal("KAPT1005", Assert.Single(error.Diagnostics).Code);
    }

    [Fact]
    public async Task A_server_nobody_listens_on_is_KAPT1006_after_bounded_retries()
    {
        using var temp = new TempFolder();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // the port is now closed: connections are refused
        var file = temp.Write("config.yaml", KubeconfigFiles.Single("alpha", $"http://127.0.0.1:{port}"));
        using var connection = KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = file }, new TestEnvironment());
        var resilience = new ClusterResilience(new ClusterRetryOptions { MaxRetryAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) });

        var error = await Assert.ThrowsAsync<KaptainException>(
            () => connection.VerifyAsync(resilience, TestContext.Current.CancellationToken));

        Assert.Equal("KAPT1006", Assert.Single(error.Diagnostics).Code);
        Assert.Equal(2, resilience.RetryCount);
    }
}
