namespace Kaptain.Build.Cluster;

/// <summary>One Kubernetes event about a resource, as a failure report shows it.</summary>
/// <param name="ObjectKind">The kind of the object the event is about.</param>
/// <param name="ObjectName">The name of that object.</param>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">The short reason (<c>BackOff</c>, <c>FailedScheduling</c>, <c>ErrImagePull</c>).</param>
/// <param name="Message">The event's message.</param>
/// <param name="Count">How many times it happened.</param>
/// <param name="LastSeen">When it last happened, when known.</param>
public sealed record ClusterEventRecord(
    string ObjectKind,
    string ObjectName,
    string Type,
    string Reason,
    string Message,
    int Count,
    DateTimeOffset? LastSeen)
{
    /// <summary>The event as one report line: <c>Warning BackOff pod/x (3x): message</c>.</summary>
    public override string ToString() =>
        $"{Type} {Reason} {ObjectKind.ToLowerInvariant()}/{ObjectName}{(Count > 1 ? $" ({Count}x)" : "")}: {Message}";
}
