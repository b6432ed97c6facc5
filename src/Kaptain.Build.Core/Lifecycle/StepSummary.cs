namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The last progress line of a step that leaves something on the cluster: what it is, its state, where it is kept and
/// how to remove it, so that a user who followed a run for hours needs nothing else to find and tidy what it left.
/// </summary>
internal static class StepSummary
{
    /// <summary>
    /// <c>Summary: PyTorchJob mnist-train-ab12 Succeeded in 2 min 3 s; kept in namespace kaptain-dev on
    /// https://host (context c); remove it with 'kubectl delete pytorchjob mnist-train-ab12 -n kaptain-dev' or every
    /// kept resource of the model with 'dotnet build -t:KaptainCleanup'</c>.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="kind">The kept resource's kind.</param>
    /// <param name="name">Its name.</param>
    /// <param name="state">Its state.</param>
    /// <param name="kept">Whether it stays on the cluster.</param>
    /// <param name="removal">How to remove it besides <c>kubectl delete</c> (for a deployment: <c>-t:KaptainUndeploy</c>).</param>
    public static void Report(LifecycleRun run, string kind, string name, string state, bool kept, string removal = "every kept resource of the model with 'dotnet build -t:KaptainCleanup'")
    {
        var what = $"Summary: {kind} {name} {state} in {LifecycleText.Duration(run.Elapsed)}";
        if (!kept)
        {
            run.Log.Info($"{what}; removed, nothing of this run is left on the cluster");
            return;
        }

        var context = run.Connection.ContextName is { } contextName ? $" (context {contextName})" : string.Empty;
        run.Log.Info(
            $"{what}; kept in namespace {run.Namespace} on {run.Connection.Server}{context}; "
            + $"remove it with 'kubectl delete {kind.ToLowerInvariant()} {name} -n {run.Namespace}' or {removal}");
    }
}
