using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>Reads <see cref="PublishSettings"/>: the model URI, the KServe deployment mode and API group, scaling, canary and revisions.</summary>
internal sealed class PublishSettingsParser(ModelParseContext context)
{
    /// <summary>The settings, or null when there is no usable model URI (given, or derived from the storage and the id).</summary>
    internal PublishSettings? Parse(string? id, string version, StorageSettings? storage)
    {
        var modelUriText = context.Value(P.ModelUri);
        string? modelUri = null;
        if (modelUriText is not null)
        {
            modelUri = context.StorageUri(P.ModelUri, modelUriText);
        }
        else if (storage is not null && id is not null)
        {
            modelUri = $"{storage.ModelStorageUri}/{id}/{version}";
        }

        var modeText = context.Value(P.DeploymentMode)!;
        var mode = DeploymentMode.Serverless;
        if (string.Equals(modeText, "RawDeployment", StringComparison.OrdinalIgnoreCase))
        {
            mode = DeploymentMode.RawDeployment;
        }
        else if (!string.Equals(modeText, "Serverless", StringComparison.OrdinalIgnoreCase))
        {
            context.Error(UnknownDeploymentMode, P.DeploymentMode, modeText);
        }

        var group = context.Value(P.ServingApiGroup)!.ToLowerInvariant();
        if (group is not (PublishSettings.KServeApiGroup or PublishSettings.LegacyApiGroup))
        {
            context.Error(UnknownServingApiGroup, P.ServingApiGroup, group);
        }
        else if (group == PublishSettings.LegacyApiGroup && mode == DeploymentMode.RawDeployment)
        {
            context.Error(RawDeploymentNeedsKServe, P.DeploymentMode);
        }

        var target = context.PositiveInteger(P.AutoscalingTarget) ?? 1;
        var minReplicas = context.Value(P.MinReplicas) is null ? null : context.NonNegativeInteger(P.MinReplicas);
        var maxReplicas = context.Value(P.MaxReplicas) is null ? null : context.PositiveInteger(P.MaxReplicas);
        if (minReplicas > maxReplicas)
        {
            context.Error(MinReplicasExceedMax, P.MinReplicas, minReplicas, maxReplicas);
        }

        int? canary = null;
        if (context.Value(P.CanaryTrafficPercent) is not null)
        {
            canary = context.Integer(P.CanaryTrafficPercent);
            if (canary is < 0 or > 100)
            {
                context.Error(CanaryPercentOutOfRange, P.CanaryTrafficPercent, canary);
                canary = null;
            }
            else if (mode == DeploymentMode.RawDeployment)
            {
                // "Canary rollout strategy is only supported in serverless deployment mode" (KServe's canary docs,
                // https://kserve.github.io/website/docs/model-serving/predictive-inference/rollout-strategies/canary).
                context.Error(CanaryNeedsServerless, P.CanaryTrafficPercent, "rollout (KaptainCanaryTrafficPercent)", "KaptainDeploymentMode=RawDeployment");
                canary = null;
            }
        }

        var revisions = context.Value(P.RevisionsToKeep) is null ? null : context.PositiveInteger(P.RevisionsToKeep);
        var resources = context.Resources(P.ServingCpu, P.ServingMemory, P.ServingGpus, null, null, null, null);
        return modelUri is null
            ? null
            : new PublishSettings(modelUri, mode, group, target, minReplicas, maxReplicas, resources, context.Boolean(P.Replace), canary,
                revisions, context.Seconds(P.PublishTimeout), TimeSpan.FromSeconds(context.NonNegativeInteger(P.PublishStableSeconds) ?? 0));
    }
}
