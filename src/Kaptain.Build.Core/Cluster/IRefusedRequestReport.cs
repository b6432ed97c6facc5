using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Where the helpers of a step (the pod log streamer, the cleaner's wait for deletions, the event and pod lookups) say
/// that a side request of theirs was refused for want of a permission. A side request is one the step can do without:
/// what it waits for (a job, an experiment, an InferenceService) still decides its outcome, but the user must learn
/// what they are not shown and which verb of the shipped Role is missing, once per step and resource.
/// </summary>
public interface IRefusedRequestReport
{
    /// <summary>
    /// Reports <paramref name="exception"/> when it is the resource client's 403 (once per verb and resource), and says
    /// whether it was one. Any other failure is left to the caller.
    /// </summary>
    /// <param name="exception">What the resource client threw.</param>
    /// <param name="missed">What the step goes without, for example "the pods' log lines are not shown".</param>
    /// <param name="fallback">What the step does instead, when it falls back (a get for each object instead of a watch).</param>
    /// <returns><see langword="true"/> when the request was refused with 403 (reported now or earlier).</returns>
    bool Refused(KaptainException exception, string missed, string? fallback = null);
}
