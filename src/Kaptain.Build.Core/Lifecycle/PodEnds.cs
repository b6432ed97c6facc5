using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// How a step's pods and their containers ended, as failure diagnostics quote it: a container's termination (reason,
/// exit code, termination message) and a pod's own <c>status.reason</c> / <c>status.message</c> (a node's eviction:
/// <c>Evicted: The node was low on resource: ephemeral-storage</c>). On a real cluster these are in the pod's status
/// where the log stream shows nothing (<c>pods/log</c> refused, a kubelet the API server cannot reach, a pod evicted
/// before its log was read).
/// </summary>
internal static class PodEnds
{
    /// <summary>The most lines of a termination message a diagnostic quotes (the last ones).</summary>
    private const int MessageLineCount = 20;

    /// <summary>A container's <c>terminated</c> state on one line: <c>Error, exit code 1: message</c>; "(not reported)" without one.</summary>
    public static string Termination(JsonObject? terminated)
    {
        if (terminated is null)
        {
            return "(not reported)";
        }

        var message = LifecycleText.Text(terminated["message"]).Trim();
        return ReasonAndExitCode(terminated) + (message.Length == 0 ? string.Empty : $": {message}");
    }

    private static string ReasonAndExitCode(JsonObject terminated) =>
        $"{LifecycleText.Text(terminated["reason"])}, exit code {LifecycleText.Number(terminated["exitCode"])}";

    /// <summary>
    /// The ends of the pods <paramref name="podSelector"/> selects, for a failure diagnostic, one indented entry per pod:
    /// its phase and its <c>status.reason</c> / <c>status.message</c>, then its container <paramref name="container"/>:
    /// waiting (reason and message), running, or terminated with its reason, exit code and the last lines of its
    /// termination message (what <c>FallbackToLogsOnError</c> fills with the log's tail), scrubbed of every secret this
    /// process handled (<see cref="KnownSecrets"/>). A message whose last line ends <paramref name="logTail"/> is not repeated. "(none)"
    /// without pods; a note when they cannot be listed (a 403 warns once: <see cref="RefusedSideRequests"/>), since the
    /// failure being reported matters more.
    /// </summary>
    public static async Task<string> DescribeAsync(
        IClusterResourceClient client,
        string @namespace,
        IRefusedRequestReport refused,
        string what,
        string podSelector,
        string container,
        IReadOnlyList<string> logTail,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(refused);
        ArgumentNullException.ThrowIfNull(logTail);
        ResourceList pods;
        try
        {
            pods = await client.ListAsync(ResourceKinds.Pod, @namespace, podSelector, null, cancellationToken).ConfigureAwait(false);
        }
        catch (KaptainException exception)
        {
            refused.Refused(exception, $"the failure of {what} is reported without how its pods ended");
            return $"  (the pods could not be read: {exception.Diagnostics[0].Code})";
        }

        var lines = new List<string>();
        foreach (var pod in pods.Items)
        {
            var status = pod["status"] as JsonObject;
            var reason = LifecycleText.Text(status?["reason"]);
            var message = LifecycleText.Text(status?["message"]).Trim();
            var phase = LifecycleText.Text(status?["phase"]);
            var own = (reason, message) switch
            {
                ("", "") => string.Empty,
                (_, "") => $" ({reason})",
                ("", _) => $" ({KnownSecrets.Scrub(message)})",
                _ => $" ({reason}: {KnownSecrets.Scrub(message)})",
            };
            lines.Add($"pod {KubernetesObjectJson.Name(pod)}: {(phase.Length == 0 ? "Unknown" : phase)}{own}");
            var state = (status?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(s => LifecycleText.Text(s["name"]) == container)?["state"];
            if (state?["terminated"] is JsonObject terminated)
            {
                var text = LifecycleText.Text(terminated["message"]).Trim();
                lines.Add($"  container {container} terminated: {ReasonAndExitCode(terminated)}" + (text.Length == 0 ? ", no termination message" : string.Empty));
                if (text.Length > 0)
                {
                    lines.AddRange(MessageLines(text, logTail));
                }
            }
            else if (state?["waiting"] is JsonObject waiting)
            {
                var waitingMessage = LifecycleText.Text(waiting["message"]).Trim();
                lines.Add($"  container {container} waiting: {LifecycleText.Text(waiting["reason"])}{(waitingMessage.Length == 0 ? string.Empty : ": " + KnownSecrets.Scrub(waitingMessage))}");
            }
            else if (state?["running"] is not null)
            {
                lines.Add($"  container {container} running");
            }
        }

        return LifecycleText.Lines(lines, "  (none)");
    }

    private static IEnumerable<string> MessageLines(string message, IReadOnlyList<string> logTail)
    {
        var lines = message.ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd()).ToList();
        if (logTail.Count > 0 && logTail[^1].EndsWith(lines[^1], StringComparison.Ordinal))
        {
            return ["  its termination message ends as the log lines above"];
        }

        var shown = lines.TakeLast(MessageLineCount).Select(line => "    " + KnownSecrets.Scrub(line)).ToList();
        return lines.Count > MessageLineCount
            ? [$"  its termination message (its last {MessageLineCount} of {lines.Count} lines):", .. shown]
            : ["  its termination message:", .. shown];
    }
}
