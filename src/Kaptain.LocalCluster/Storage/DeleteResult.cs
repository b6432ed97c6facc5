using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Storage;

/// <summary>The result of a delete.</summary>
/// <param name="Object">The object: its last state when removed, or with <c>deletionTimestamp</c> set while finalizers remain.</param>
/// <param name="Removed">Whether the object is gone (200) rather than marked for deletion (202).</param>
public sealed record DeleteResult(JsonObject Object, bool Removed);
