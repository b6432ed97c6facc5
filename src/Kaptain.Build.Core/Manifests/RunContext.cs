using System.Security.Cryptography;
using Kaptain.Build.Context;
using Kaptain.Build.Model;

namespace Kaptain.Build.Manifests;

/// <summary>What one run adds to the model to render its resources: the run id, the namespace, the image and the secrets.</summary>
public sealed record RunContext
{
    /// <summary>The run id: 10 lowercase hex characters, new for every run (Contract 2).</summary>
    public required string RunId { get; init; }

    /// <summary>The namespace the resources go to.</summary>
    public required string Namespace { get; init; }

    /// <summary>The model image with its final tag (see <see cref="BuildContext.Image"/>).</summary>
    public required ImageReference Image { get; init; }

    /// <summary>The key of the build context object (a <c>.tar.gz</c>) in the model's bucket.</summary>
    public required string ContextObjectKey { get; init; }

    /// <summary>The credential values; <see langword="null"/> renders redacted placeholders.</summary>
    public SecretValues? Secrets { get; init; }

    /// <summary>A new random run id.</summary>
    public static string NewRunId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    /// <summary>
    /// The key of one run's context object: <c>contexts/{model-id}/{checksum}-{run-id}.tar.gz</c>. The run id is part of
    /// it because every run removes its context when it ends (success, failure or Ctrl+C): two builds of the same content
    /// at once must not share one object, or the first to end deletes it before the other's Kaniko has read it.
    /// </summary>
    public static string ContextObjectKeyFor(ModelDefinition model, BuildContext context, string runId)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return $"contexts/{model.Id}/{context.Checksum}-{runId}.tar.gz";
    }

    /// <summary>
    /// The run context of <c>KaptainRender</c>: no secrets, the model's namespace (else <c>default</c>), and a run id taken
    /// from the context checksum so that rendering the same model twice writes the same files.
    /// </summary>
    public static RunContext ForRender(ModelDefinition model, BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var runId = context.Checksum[..10];
        return new RunContext
        {
            RunId = runId,
            Namespace = model.Cluster.Namespace ?? "default",
            Image = context.Image,
            ContextObjectKey = ContextObjectKeyFor(model, context, runId),
        };
    }
}
