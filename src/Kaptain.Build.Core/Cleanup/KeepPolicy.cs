using Kaptain.Build.Cluster;

namespace Kaptain.Build.Cleanup;

/// <summary>
/// Which resources a step leaves on the cluster on purpose, per outcome. For example: keep the training job on success
/// unless force cleanup was asked for; keep a failed build Job when the user asked to keep failed resources. A
/// cancelled run and a sweep keep nothing, whatever the rules say.
/// </summary>
public sealed class KeepPolicy
{
    private readonly IReadOnlyList<(ResourceKind Kind, RunOutcome Outcome)> rules;

    private KeepPolicy(IReadOnlyList<(ResourceKind Kind, RunOutcome Outcome)> rules) => this.rules = rules;

    /// <summary>Keeps nothing.</summary>
    public static KeepPolicy RemoveEverything { get; } = new([]);

    /// <summary>A policy that also keeps resources of <paramref name="kind"/> when the run ends with <paramref name="outcome"/>.</summary>
    public KeepPolicy Keep(ResourceKind kind, RunOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return new KeepPolicy([.. rules, (kind, outcome)]);
    }

    /// <summary>
    /// A policy that also keeps resources of <paramref name="dependent"/> whenever it keeps resources of
    /// <paramref name="owner"/> (the S3 Secret a kept training job's pods read stays with the job).
    /// </summary>
    public KeepPolicy KeepWith(ResourceKind owner, ResourceKind dependent)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(dependent);
        var added = rules.Where(rule => rule.Kind.ApiVersion == owner.ApiVersion && rule.Kind.Kind == owner.Kind).Select(rule => (dependent, rule.Outcome));
        return new KeepPolicy([.. rules, .. added]);
    }

    /// <summary>Whether the resource stays after a run that ended with <paramref name="outcome"/>.</summary>
    public bool ShouldKeep(ResourceReference resource, RunOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return outcome is RunOutcome.Succeeded or RunOutcome.Failed
            && rules.Any(rule => rule.Outcome == outcome
                                 && rule.Kind.ApiVersion == resource.ApiVersion
                                 && rule.Kind.Kind == resource.Kind);
    }
}
