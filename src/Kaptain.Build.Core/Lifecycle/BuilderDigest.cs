using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaptain.Build.Cluster;
using Kaptain.Build.Manifests;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The digest of the image the Kaniko Job pushed, as Kaniko reports it: the builder runs with
/// <c>--digest-file=/dev/termination-log</c>, so the digest is the kaniko container's termination message
/// (<c>status.containerStatuses[].state.terminated.message</c>). Kaniko prints no <c>digest:</c> line: it logs
/// <c>Pushed repo@sha256:...</c> and writes the bare digest to the file (GoogleContainerTools/kaniko
/// <c>pkg/executor/push.go</c>, <c>DoPush</c> and <c>writeDigestFile</c>).
/// </summary>
internal static partial class BuilderDigest
{
    /// <summary>
    /// The digest in the termination message of the builder container of a succeeded pod matching
    /// <paramref name="podSelector"/>, or null when no pod has one (the pod was removed, or the node's kubelet did not
    /// pass the message on).
    /// </summary>
    public static async Task<string?> FromTerminationMessageAsync(
        IClusterResourceClient client, string @namespace, string podSelector, CancellationToken cancellationToken)
    {
        var pods = await client.ListAsync(ResourceKinds.Pod, @namespace, podSelector, null, cancellationToken).ConfigureAwait(false);
        return pods.Items.Select(FromPod).FirstOrDefault(digest => digest is not null);
    }

    /// <summary>The digest in <paramref name="pod"/>'s builder container's termination message, if it ended with 0.</summary>
    public static string? FromPod(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        foreach (var status in pod["status"]?["containerStatuses"] as JsonArray ?? [])
        {
            if (status?["name"]?.GetValue<string>() != BuildJobManifest.ContainerName
                || status["state"]?["terminated"] is not JsonObject terminated
                || terminated["exitCode"] is not JsonValue exitCode || !exitCode.TryGetValue<int>(out var code) || code != 0)
            {
                continue;
            }

            if (terminated["message"] is JsonValue message && message.TryGetValue<string>(out var text)
                && Digest().Match(text.Trim()) is { Success: true } match)
            {
                return match.Value;
            }
        }

        return null;
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Digest();
}
