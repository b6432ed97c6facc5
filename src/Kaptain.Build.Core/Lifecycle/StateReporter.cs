using System.Text.Json.Nodes;

namespace Kaptain.Build.Lifecycle;

/// <summary>Tells the user when a followed resource's state changes: <c>PyTorchJob x: Running</c>.</summary>
internal sealed class StateReporter(ILifecycleLog log, string subject, Func<JsonObject, string>? stateOf = null)
{
    private readonly Func<JsonObject, string> stateOf = stateOf ?? TrainingStep.JobState;
    private string? last;

    public void Report(JsonObject resource)
    {
        var state = stateOf(resource);
        if (state != last)
        {
            last = state;
            log.Info($"{subject}: {state}");
        }
    }
}
