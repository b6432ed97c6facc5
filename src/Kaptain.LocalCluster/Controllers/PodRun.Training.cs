using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>The simulated training script's upload of the trained model, and the predictor's model format.</summary>
internal sealed partial class PodRun
{
    /// <summary>
    /// For the primary replica of a TFJob or PyTorchJob (TensorFlow's worker 0, PyTorch's master, as the sample scripts
    /// save on rank 0): writes the placeholder model to <c>KAPTAIN_MODEL_URI</c> through the S3 API with the
    /// credentials of the container's environment. Null when written or not a training pod, else the error line the
    /// script would end with (the run then fails).
    /// </summary>
    private async Task<string?> WriteTrainedModelAsync(IReadOnlyList<JsonObject> owners, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var job = owners.FirstOrDefault();
        var framework = ObjectFields.Text(job?["kind"]) switch
        {
            "TFJob" => "tensorflow",
            "PyTorchJob" => "pytorch",
            _ => null,
        };
        if (framework is null)
        {
            return null;
        }

        var labels = ObjectFields.Labels(_pod);
        var type = labels.GetValueOrDefault(TrainingJobController.ReplicaTypeLabel);
        var index = labels.GetValueOrDefault(TrainingJobController.ReplicaIndexLabel);
        var primary = framework == "tensorflow" ? type == "worker" && index == "0" : type == "master";
        if (!primary)
        {
            return null;
        }

        return await ModelArtefact.WriteAsync(framework, environment, _scenarios.S3Credentials, Now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The model format of the predictor this pod serves (<c>tensorflow</c>, <c>pytorch</c>, ...), read from
    /// its InferenceService; null for a pod that serves none.</summary>
    private async Task<string?> PredictorFrameworkAsync(CancellationToken cancellationToken)
    {
        if (ObjectFields.Labels(_pod).GetValueOrDefault("serving.kserve.io/inferenceservice") is not { } name)
        {
            return null;
        }

        foreach (var apiVersion in new[] { "serving.kserve.io/v1beta1", "serving.kubeflow.org/v1beta1" })
        {
            if (_cluster.Resources.FindByKind(apiVersion, "InferenceService") is not { } type)
            {
                continue;
            }

            var isvc = _cluster.Store.TryGet(type, _ns, name) ?? await _cluster.Store.ReadAsync(type, _ns, name, cancellationToken).ConfigureAwait(false);
            if (isvc?["spec"]?["predictor"] is JsonObject predictor)
            {
                return ObjectFields.Text(predictor["model"]?["modelFormat"]?["name"])
                    ?? predictor.Select(p => p.Key).FirstOrDefault(k => k is "tensorflow" or "pytorch" or "sklearn" or "xgboost" or "onnx" or "triton");
            }
        }

        return null;
    }
}
