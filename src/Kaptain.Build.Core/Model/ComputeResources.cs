namespace Kaptain.Build.Model;

/// <summary>Requests and limits of a container, by resource name (<c>cpu</c>, <c>memory</c>, <c>nvidia.com/gpu</c>), as Kubernetes quantities.</summary>
/// <param name="Requests">The requests; empty when none are set.</param>
/// <param name="Limits">The limits; empty when none are set.</param>
public sealed record ComputeResources(IReadOnlyDictionary<string, string> Requests, IReadOnlyDictionary<string, string> Limits)
{
    /// <summary>No requests and no limits.</summary>
    public static ComputeResources None { get; } = new(new Dictionary<string, string>(), new Dictionary<string, string>());

    /// <summary>Whether neither requests nor limits are set.</summary>
    public bool IsEmpty => Requests.Count == 0 && Limits.Count == 0;
}
