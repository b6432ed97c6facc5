using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Lifecycle;

/// <summary>Reads Katib's Trial and Experiment status into <see cref="TrialSummary"/> values.</summary>
internal static class TrialStatus
{
    /// <summary>The label Katib puts on an experiment's trials.</summary>
    public const string ExperimentLabel = "katib.kubeflow.org/experiment";

    private static readonly string[] TerminalStates = ["Succeeded", "Failed", "EarlyStopped", "MetricsUnavailable", "Killed"];

    /// <summary>A trial's summary: its assignments, its latest metrics, its state and, when it failed, why.</summary>
    public static TrialSummary Read(JsonObject trial)
    {
        var state = State(trial);
        string? reason = null;
        if (state is "Failed" or "MetricsUnavailable" or "Killed")
        {
            reason = LifecycleText.Reason(KubernetesObjectJson.Condition(trial, state));
        }

        return new TrialSummary(
            KubernetesObjectJson.Name(trial),
            state,
            Assignments(trial["spec"]?["parameterAssignments"]),
            Metrics(trial["status"]?["observation"]),
            reason);
    }

    /// <summary>The best trial an Experiment reports (<c>status.currentOptimalTrial</c>), or <see langword="null"/> before there is one.</summary>
    public static TrialSummary? Best(JsonObject experiment)
    {
        if (experiment["status"]?["currentOptimalTrial"] is not JsonObject optimal
            || LifecycleText.Text(optimal["bestTrialName"]) is not { Length: > 0 } name)
        {
            return null;
        }

        return new TrialSummary(name, "Succeeded", Assignments(optimal["parameterAssignments"]), Metrics(optimal["observation"]));
    }

    /// <summary>The state of a trial: its terminal condition when it has one, else its latest true condition.</summary>
    public static string State(JsonObject resource)
    {
        foreach (var terminal in TerminalStates)
        {
            if (KubernetesObjectJson.HasTrueCondition(resource, terminal))
            {
                return terminal;
            }
        }

        return (resource["status"]?["conditions"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .LastOrDefault(c => LifecycleText.Text(c["status"]) == "True") is { } latest
            ? LifecycleText.Text(latest["type"])
            : "Pending";
    }

    /// <summary>Whether the state is one a trial does not leave.</summary>
    public static bool IsTerminal(string state) => TerminalStates.Contains(state);

    /// <summary>One line about a trial: <c>Trial x: lr=0.01, optimizer=adam -> accuracy=0.93 (Succeeded)</c>.</summary>
    public static string Describe(TrialSummary trial)
    {
        var parameters = string.Join(", ", trial.Parameters.Select(p => $"{p.Key}={p.Value}"));
        var metrics = trial.Metrics.Count == 0 ? string.Empty : " -> " + string.Join(", ", trial.Metrics.Select(m => $"{m.Key}={m.Value}"));
        var reason = trial.Reason is null ? string.Empty : $": {trial.Reason}";
        return $"Trial {trial.Name}: {parameters}{metrics} ({trial.State}{reason})";
    }

    /// <summary>The value of a metric in a trial summary, when it is a number.</summary>
    public static double? Metric(TrialSummary trial, string name) =>
        trial.Metrics.FirstOrDefault(m => m.Key == name).Value is { } text
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private static List<KeyValuePair<string, string>> Assignments(JsonNode? node) =>
        (node as JsonArray ?? [])
        .OfType<JsonObject>()
        .Select(a => new KeyValuePair<string, string>(LifecycleText.Text(a["name"]), LifecycleText.Text(a["value"])))
        .Where(a => a.Key.Length > 0)
        .ToList();

    private static List<KeyValuePair<string, string>> Metrics(JsonNode? observation) =>
        (observation?["metrics"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .Select(m => new KeyValuePair<string, string>(LifecycleText.Text(m["name"]), LifecycleText.Text(m["latest"])))
        .Where(m => m.Key.Length > 0 && m.Value.Length > 0 && m.Value != "unavailable")
        .ToList();
}
