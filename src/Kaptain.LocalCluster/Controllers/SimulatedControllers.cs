using Kaptain.LocalCluster.Hosting;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>The simulated controllers of the local cluster: the kubelet, Job, Deployment, the Kubeflow training
/// operator (TFJob, PyTorchJob), Katib (Experiment, Suggestion, Trial), KServe (InferenceService, both API groups)
/// and Knative Serving.</summary>
public static class SimulatedControllers
{
    /// <summary>A new set of every simulated controller, for <see cref="LocalClusterOptions.Controllers"/>; without the
    /// Job and Deployment controllers unless <paramref name="includeBuiltIn"/> (a server with kube-controller-manager
    /// has its own).</summary>
    public static IReadOnlyList<IController> Create(bool includeBuiltIn = true) =>
    [
        new Kubelet(),
        .. includeBuiltIn ? new IController[] { new JobController(), new DeploymentController() } : [],
        TrainingJobController.ForTFJob(),
        TrainingJobController.ForPyTorchJob(),
        new ExperimentController(),
        new TrialController(),
        new KnativeServiceController(),
        new InferenceServiceController("serving.kserve.io/v1beta1"),
        new InferenceServiceController("serving.kubeflow.org/v1beta1"),
    ];

    /// <summary>Adds every simulated controller to <paramref name="options"/>.</summary>
    public static void AddTo(LocalClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var controller in Create())
        {
            options.Controllers.Add(controller);
        }
    }
}
