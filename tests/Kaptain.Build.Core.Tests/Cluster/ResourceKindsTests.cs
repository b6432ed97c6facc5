using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Manifests;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class ResourceKindsTests
{
    [Fact]
    public void The_selector_names_the_manager_and_the_model_and_optionally_the_run()
    {
        Assert.Equal("app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist", CleanupSweep.Selector("dev-mnist"));
        Assert.Equal(
            "app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist,kaptain.build/run=0123456789",
            CleanupSweep.Selector("dev-mnist", "0123456789"));
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
