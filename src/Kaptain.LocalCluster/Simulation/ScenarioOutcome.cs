namespace Kaptain.LocalCluster.Simulation;

/// <summary>How a simulated workload ends.</summary>
public enum ScenarioOutcome
{
    /// <summary>Runs for the scenario's time, prints its lines and exits 0.</summary>
    Succeed,

    /// <summary>Runs for the scenario's time, prints its lines and exits non-zero with a reason.</summary>
    Fail,

    /// <summary>Starts, prints its lines and never ends.</summary>
    Hang,

    /// <summary>Exits non-zero on every start (or the first few, with <c>restarts=N</c>); restarted as the restart policy says.</summary>
    CrashLoop,

    /// <summary>Serves, then crashes: each start is ready (its readiness probe passes), then after <c>after</c> it exits
    /// non-zero (every run, or the first <c>restarts=N</c>) and is restarted with back-off (CrashLoopBackOff between
    /// starts). A Knative Revision (and so KServe's InferenceService) becomes Ready on the first start and stays Ready,
    /// as kserve#1859 reports.</summary>
    Crash,

    /// <summary>Never scheduled: the pod stays Pending (an InferenceService never becomes ready).</summary>
    Pending,

    /// <summary>Scheduled, but its image cannot be pulled: the containers wait in ErrImagePull, then ImagePullBackOff,
    /// with the kubelet's Events, and never start (a Knative Revision fails with ImagePullBackOff).</summary>
    BadImage,
}
