using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Manifests;
using Kaptain.Build.Validation;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class ResourceKindsTests
{
    [Fact]
    public void The_selector_names_the_manager_and_the_model_and_optionally_the_run()
    {
        using var project = new TestModelProject();
        var model = project.Model();
        var label = ManifestLabels.ModelLabelValue("dev/mnist");

        Assert.Equal($"app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model={label}", ManifestLabels.Selector(model));
        Assert.Equal(
            $"app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model={label},kaptain.build/run=0123456789",
            ManifestLabels.Selector(model, runId: "0123456789"));
    }

    [Theory]
    [InlineData("dev/mnist", "dev-mnist")]
    [InlineData("a/b-c", "a-b/c")]
    [InlineData("team-a/mnist", "team-a-mnist")]
    public void Model_ids_that_a_plain_replacement_merges_get_different_label_values(string one, string other)
    {
        var first = ManifestLabels.ModelLabelValue(one);
        var second = ManifestLabels.ModelLabelValue(other);

        Assert.NotEqual(first, second);
        Assert.StartsWith(one.Replace('/', '-') + "-", first, StringComparison.Ordinal);
        Assert.True(KubernetesNames.IsLabelValue(first) && KubernetesNames.IsLabelValue(second));
    }

    [Fact]
    public void A_long_model_id_gets_a_valid_label_value_that_still_tells_it_apart()
    {
        var segment = new string('a', 40);
        var one = $"{segment}/{segment}/x";
        var other = $"{segment}/{segment}/y";

        var first = ManifestLabels.ModelLabelValue(one);
        var second = ManifestLabels.ModelLabelValue(other);

        Assert.NotEqual(first, second);
        Assert.True(first.Length <= 63, first);
        Assert.True(KubernetesNames.IsLabelValue(first), first);
        Assert.StartsWith(segment, first, StringComparison.Ordinal);
    }

    [Fact]
    public void Kinds_are_found_by_apiVersion_and_kind()
    {
        Assert.Same(ResourceKinds.PyTorchJob, ResourceKinds.Get("kubeflow.org/v1", "PyTorchJob"));
        Assert.Same(ResourceKinds.InferenceService, ResourceKinds.Get("serving.kserve.io/v1beta1", "InferenceService"));
        Assert.Same(ResourceKinds.KfServingInferenceService, ResourceKinds.Get("serving.kubeflow.org/v1beta1", "InferenceService"));
        Assert.Equal("v1", ResourceKinds.Secret.ApiVersion);
        Assert.Equal("tfjobs.kubeflow.org", ResourceKinds.TFJob.ResourceName);
        Assert.Throws<ArgumentException>(() => ResourceKinds.Get("apps/v1", "Deployment"));
    }
}
