using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>KServe's storage-initializer init container: a real S3 check of the model before the predictor starts, and
/// of its layout for the predictor's model server.</summary>
internal sealed partial class PodRun
{
    /// <summary>Runs KServe's storage-initializer init container, when the pod has one: a real S3 check of the model.
    /// Null when it succeeded (or there is none), else the line it printed.</summary>
    private async Task<string?> RunStorageInitializerAsync(CancellationToken cancellationToken)
    {
        var init = (_pod["spec"]?["initContainers"] as JsonArray ?? []).FirstOrDefault(c => ObjectFields.Text(c?["name"]) == StorageInitializer.ContainerName);
        if (init is null)
        {
            return null;
        }

        var environment = ContainerEnvironment.Resolve(_cluster.Store, _ns, init);
        if (environment.Problem is { } problem)
        {
            return $"Error: {problem}";
        }

        var storageUri = (init["args"] as JsonArray)?.Select(ObjectFields.Text).FirstOrDefault() ?? string.Empty;
        _cluster.Logs.StartContainer(_ns, _name, StorageInitializer.ContainerName);
        var framework = await PredictorFrameworkAsync(cancellationToken).ConfigureAwait(false);
        var failure = await StorageInitializer.CheckAsync(storageUri, environment.Variables, framework, cancellationToken).ConfigureAwait(false);
        _cluster.Logs.Append(_ns, _name, StorageInitializer.ContainerName, failure ?? $"Successfully copied {storageUri} to /mnt/models");
        _cluster.Logs.Terminate(_ns, _name, StorageInitializer.ContainerName);
        return failure;
    }
}
