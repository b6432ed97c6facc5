using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests.Model;

public sealed class ModelListTests
{
    [Fact]
    public void Properties_are_unique_prefixed_and_described()
    {
        Assert.Equal(ModelProperties.All.Count, ModelProperties.All.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(ModelProperties.All, p =>
        {
            Assert.Matches("^Kaptain[A-Z][A-Za-z0-9]+$", p.Name);
            Assert.False(string.IsNullOrWhiteSpace(p.Description));
        });
        foreach (var name in new[]
                 {
                     "KaptainModelId", "KaptainFramework", "KaptainFrameworkVersion", "KaptainMainFile", "KaptainBaseImage",
                     "KaptainImageName", "KaptainWorkers", "KaptainForceCleanup", "KaptainDeleteExperiment", "KaptainKubeconfig",
                     "KaptainNamespace", "KaptainS3Endpoint",
                 })
        {
            Assert.NotNull(ModelProperties.Find(name));
        }
    }

    [Fact]
    public void Every_property_constant_is_in_the_list()
    {
        var constants = typeof(ModelProperties).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(constants.Order(), ModelProperties.All.Select(p => p.Name).Order());
        var itemConstants = typeof(ModelItemTypes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(itemConstants.Order(), ModelItemTypes.All.Select(t => t.Name).Order());
    }

    [Theory]
    [InlineData("KaptainWorkers", "2")]
    [InlineData("KaptainTrials", "16")]
    [InlineData("KaptainParallelTrials", "2")]
    [InlineData("KaptainFailedTrials", "4")]
    [InlineData("KaptainAutoscalingTarget", "2")]
    [InlineData("KaptainBuilderCpuRequest", "500m")]
    [InlineData("KaptainBuilderMemoryRequest", "500M")]
    [InlineData("KaptainBuilderCpuLimit", "1")]
    [InlineData("KaptainBuilderMemoryLimit", "1G")]
    [InlineData("KaptainDeploymentMode", "Serverless")]
    [InlineData("KaptainServingApiGroup", "serving.kserve.io")]
    public void Documented_defaults(string name, string value) => Assert.Equal(value, ModelProperties.Find(name)!.DefaultValue);

    [Fact]
    public void Defaults_apply_when_values_are_empty()
    {
        using var project = new TestModelProject();
        project.Properties[ModelProperties.Workers] = "";
        project.Properties[ModelProperties.Trials] = "  ";
        var model = project.Model();

        Assert.Equal("mnist", model.Name);
        Assert.Equal(ModelFramework.PyTorch, model.Framework);
        Assert.Equal("2.4.1", model.FrameworkVersion);
        Assert.Equal(2, model.Train.Workers);
        Assert.Equal((16, 2, 4), (model.Tune.Trials, model.Tune.ParallelTrials, model.Tune.FailedTrials));
        Assert.Equal("random", model.Tune.Algorithm);
        Assert.Equal(ObjectiveType.Maximize, model.Tune.ObjectiveType);
        Assert.Equal(DeploymentMode.Serverless, model.Publish.DeploymentMode);
        Assert.Equal(2, model.Publish.AutoscalingTarget);
        Assert.Equal("s3://kaptain/models/dev/mnist/0.0.1", model.Publish.ModelUri);
        Assert.True(model.Storage.PathStyle);
        Assert.Equal("requirements.txt", model.RequirementsFile!.ContextPath);
        Assert.Equal("127.0.0.1:5000/dev/mnist", model.Image.ToString());
        Assert.Equal("gcr.io/kaniko-project/executor:v1.23.2", model.Builder.Image);
        Assert.False(model.Cluster.ForceCleanup);
        Assert.False(model.Tune.DeleteExperiment);
    }

    [Fact]
    public void Sdk_environment_switches_apply_when_the_properties_are_empty()
    {
        using var project = new TestModelProject();
        project.Environment["KAPTAIN_SDK_FORCE_CLEANUP"] = "1";
        project.Environment["KAPTAIN_SDK_DELETE_EXPERIMENT"] = "true";
        Assert.True(project.Model().Cluster.ForceCleanup);
        Assert.True(project.Model().Tune.DeleteExperiment);

        project.Properties[ModelProperties.ForceCleanup] = "false";
        Assert.False(project.Model().Cluster.ForceCleanup);
    }

    [Fact]
    public void Amazon_endpoints_default_to_virtual_host_style()
    {
        using var project = new TestModelProject();
        project.Properties[ModelProperties.S3Endpoint] = "https://s3.us-west-2.amazonaws.com";
        Assert.False(project.Model().Storage.PathStyle);
    }

    [Theory]
    [InlineData("http://localhost:5000", null, "localhost:5000", true)]
    [InlineData("https://registry.example.com", null, "registry.example.com", false)]
    [InlineData("http://localhost:5000", "false", "localhost:5000", false)]
    [InlineData("localhost:5000", null, "localhost:5000", false)]
    [InlineData("localhost:5000", "true", "localhost:5000", true)]
    public void Registry_url_scheme_sets_insecure_unless_given(string registry, string? insecure, string host, bool expected)
    {
        using var project = new TestModelProject();
        project.Properties[ModelProperties.Registry] = registry;
        if (insecure is not null)
        {
            project.Properties[ModelProperties.RegistryInsecure] = insecure;
        }

        var model = project.Model();

        Assert.Equal(host, model.Registry.Host);
        Assert.Equal(expected, model.Registry.Insecure);
        Assert.Equal($"{host}/dev/mnist", model.Image.ToString());
    }
}
