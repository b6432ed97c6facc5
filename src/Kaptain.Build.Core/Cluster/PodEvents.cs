using System.Globalization;
using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Collects the events of a resource and of the pods it ran, oldest first, for failure reports ("why did the build pod
/// fail": image pull errors, scheduling failures, back-offs).
/// </summary>
public sealed class PodEvents
{
    private readonly IClusterResourceClient client;

    /// <summary>Creates the collector.</summary>
    public PodEvents(IClusterResourceClient client) => this.client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>The events about one object (a Job, a TFJob, a pod).</summary>
    public async Task<IReadOnlyList<ClusterEventRecord>> ForObjectAsync(
        string? @namespace, string kind, string name, CancellationToken cancellationToken)
    {
        var list = await client.ListAsync(
            ResourceKinds.Event, @namespace, null, $"involvedObject.kind={kind},involvedObject.name={name}", cancellationToken)
            .ConfigureAwait(false);
        return list.Items
            .Select(Read)
            // The field selector is what the API offers; a server that ignores it must not mix in other objects' events.
            .Where(record => record.ObjectKind == kind && record.ObjectName == name)
            .OrderBy(record => record.LastSeen ?? DateTimeOffset.MinValue)
            .ToList();
    }

    /// <summary>The events about an owner object and every pod matching <paramref name="podSelector"/>, oldest first.</summary>
    public async Task<IReadOnlyList<ClusterEventRecord>> ForWorkloadAsync(
        string? @namespace, string ownerKind, string ownerName, string podSelector, CancellationToken cancellationToken)
    {
        var records = new List<ClusterEventRecord>(
            await ForObjectAsync(@namespace, ownerKind, ownerName, cancellationToken).ConfigureAwait(false));
        var pods = await client.ListAsync(ResourceKinds.Pod, @namespace, podSelector, null, cancellationToken).ConfigureAwait(false);
        foreach (var pod in pods.Items)
        {
            records.AddRange(await ForObjectAsync(
                @namespace, "Pod", KubernetesObjectJson.Name(pod), cancellationToken).ConfigureAwait(false));
        }

        return records.OrderBy(record => record.LastSeen ?? DateTimeOffset.MinValue).ToList();
    }

    private static ClusterEventRecord Read(JsonObject item)
    {
        var count = item["count"] is JsonValue value && value.TryGetValue<int>(out var n) ? n : 1;
        var when = KubernetesObjectJson.StringAt(item, "lastTimestamp")
                   ?? KubernetesObjectJson.StringAt(item, "eventTime")
                   ?? KubernetesObjectJson.StringAt(item, "firstTimestamp")
                   ?? KubernetesObjectJson.StringAt(item, "metadata.creationTimestamp");
        DateTimeOffset? lastSeen = DateTimeOffset.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;
        return new ClusterEventRecord(
            KubernetesObjectJson.StringAt(item, "involvedObject.kind") ?? "",
            KubernetesObjectJson.StringAt(item, "involvedObject.name") ?? "",
            KubernetesObjectJson.StringAt(item, "type") ?? "",
            KubernetesObjectJson.StringAt(item, "reason") ?? "",
            KubernetesObjectJson.StringAt(item, "message") ?? "",
            count,
            lastSeen);
    }
}
