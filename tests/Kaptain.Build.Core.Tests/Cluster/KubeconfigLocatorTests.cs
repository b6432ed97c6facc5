using Xunit;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class KubeconfigLocatorTests
{
    [Fact]
    public void The_property_wins_over_KUBECONFIG_and_the_home_folder()
    {
        using var temp = new TempFolder();
        var property = temp.Write("property.yaml", KubeconfigFiles.Single("p", "http://127.0.0.1:1"));
        var variable = temp.Write("variable.yaml", KubeconfigFiles.Single("v", "http://127.0.0.1:2"));
        temp.Write("home/.kube/config", KubeconfigFiles.Single("h", "http://127.0.0.1:3"));
        var environment = new TestEnvironment { HomeDirectory = temp.File("home") };
        environment.Variables["KUBECONFIG"] = variable;

        var location = KubeconfigLocator.Locate(new ClusterConnectionOptions { Kubeconfig = property }, environment);

        Assert.Equal(KubeconfigSource.Property, location.Source);
        Assert.Equal([property], location.Files);
    }

    [Fact]
    public void KUBECONFIG_is_a_path_list_whose_missing_entries_are_skipped()
    {
        using var temp = new TempFolder();
        var second = temp.Write("second.yaml", KubeconfigFiles.Single("s", "http://127.0.0.1:2"));
        var third = temp.Write("third.yaml", KubeconfigFiles.Single("t", "http://127.0.0.1:3"));
        var environment = new TestEnvironment { HomeDirectory = temp.File("home") };
        environment.Variables["KUBECONFIG"] = string.Join(Path.PathSeparator, temp.File("missing.yaml"), second, "", third);

        var location = KubeconfigLocator.Locate(new ClusterConnectionOptions(), environment);

        Assert.Equal(KubeconfigSource.EnvironmentVariable, location.Source);
        Assert.Equal([second, third], location.Files);
    }

    [Fact]
    public void A_KUBECONFIG_naming_only_missing_files_is_an_error_rather_than_another_cluster()
    {
        using var temp = new TempFolder();
        temp.Write("home/.kube/config", KubeconfigFiles.Single("h", "http://127.0.0.1:3"));
        var environment = new TestEnvironment { HomeDirectory = temp.File("home") };
        environment.Variables["KUBECONFIG"] = temp.File("missing.yaml");

        var error = Assert.Throws<KaptainException>(() => KubeconfigLocator.Locate(new ClusterConnectionOptions(), environment));

        Assert.Equal("KAPT1002", Assert.Single(error.Diagnostics).Code);
    }

    [Fact]
    public void A_missing_property_file_is_KAPT1002()
    {
        using var temp = new TempFolder();
        var error = Assert.Throws<KaptainException>(() => KubeconfigLocator.Locate(
            new ClusterConnectionOptions { Kubeconfig = temp.File("nope.yaml") },
            new TestEnvironment()));

        Assert.Equal("KAPT1002", Assert.Single(error.Diagnostics).Code);
        Assert.Equal("KaptainKubeconfig", error.Diagnostics[0].Subject);
    }

    [Fact]
    public void Without_property_or_variable_the_home_config_is_used()
    {
        using var temp = new TempFolder();
        var home = temp.Write("home/.kube/config", KubeconfigFiles.Single("h", "http://127.0.0.1:3"));
        var environment = new TestEnvironment { HomeDirectory = temp.File("home"), IsInCluster = true };

        var location = KubeconfigLocator.Locate(new ClusterConnectionOptions(), environment);

        Assert.Equal(KubeconfigSource.HomeDirectory, location.Source);
        Assert.Equal([home], location.Files);
    }

    [Fact]
    public void In_a_pod_without_any_kubeconfig_the_service_account_is_used()
    {
        using var temp = new TempFolder();
        var environment = new TestEnvironment { HomeDirectory = temp.File("home"), IsInCluster = true };

        var location = KubeconfigLocator.Locate(new ClusterConnectionOptions(), environment);

        Assert.Equal(KubeconfigSource.InCluster, location.Source);
        Assert.Empty(location.Files);
    }

    [Fact]
    public void Nothing_at_all_is_KAPT1001()
    {
        using var temp = new TempFolder();
        var environment = new TestEnvironment { HomeDirectory = temp.File("home") };

        var error = Assert.Throws<KaptainException>(() => KubeconfigLocator.Locate(new ClusterConnectionOptions(), environment));

        Assert.Equal("KAPT1001", Assert.Single(error.Diagnostics).Code);
    }
}
