using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// Field ownership (<c>metadata.managedFields</c>) and server-side apply, as kube-apiserver v1.20 does them for the cases
/// a client meets (k8s.io/apiserver pkg/endpoints/handlers/fieldmanager, sigs.k8s.io/structured-merge-diff
/// merge/update.go): every write with a field manager records the fields it set (operation <c>Update</c>, one entry
/// per manager and apiVersion) and takes them from other managers; an apply records the fields of its configuration
/// (operation <c>Apply</c>), fails with a 409 <c>FieldManagerConflict</c> when it would change a field another manager
/// owns (unless <c>force</c>, which takes the field), shares a field it sets to the value it already has, and removes a
/// field it stopped applying when no other manager owns it.
/// </summary>
public sealed partial class ObjectStore
{
    private const string ApplyOperation = "Apply";
    private const string UpdateOperation = "Update";

    private JsonNode ServerSideApply(ResourceType type, JsonObject current, JsonNode patch, WriteOptions options)
    {
        if (patch is not JsonObject applied) throw StatusErrors.BadRequest("the apply configuration must be an object");
        var manager = options.FieldManager ?? "";
        var keyed = !type.IsCustomResource;
        var managed = ReadManagedFields(current);
        var live = WithoutManagedFields(current);
        var mine = FieldSet.Of(applied, keyed, update: false);
        var previous = managed.FirstOrDefault(m => m.Manager == manager && m.Operation == ApplyOperation);
        var others = managed.Where(m => !ReferenceEquals(m, previous)).ToList();

        var merged = (JsonObject)StrategicMergePatch.Apply(live, applied)!;
        // Fields this manager applied last time and no longer applies go, unless another manager owns them
        // (structured-merge-diff merge/update.go, prune); the deepest first, so that a list element goes after its fields.
        if (previous is not null)
        {
            foreach (var path in previous.Fields.Except(mine).Paths.OrderByDescending(p => p.Length))
            {
                if (!mine.ContainsOrBelow(path) && !others.Any(o => o.Fields.ContainsOrBelow(path))) FieldSet.RemoveAt(merged, path);
            }
        }

        var (changed, removed) = Compare(live, merged, keyed);
        var conflicts = others
            .Select(o => (Owner: o, Fields: o.Fields.Intersect(changed)))
            .Where(c => !c.Fields.IsEmpty)
            .ToList();
        if (conflicts.Count > 0 && !options.Force) throw ApplyConflict(conflicts.Select(c => (c.Owner, c.Fields)).ToList());

        var entries = others
            .Select(o => o with { Fields = o.Fields.Except(changed).Except(removed) })
            .ToList();
        var unchanged = previous is not null && previous.Fields.SetEquals(mine) && changed.IsEmpty && removed.IsEmpty;
        entries.Add(new ManagedFieldsEntry(manager, ApplyOperation, type.ApiVersion, unchanged ? previous!.Time : Now(), mine));
        Metadata(merged)["managedFields"] = WriteManagedFields(entries);
        return merged;
    }

    /// <summary>
    /// The managedFields of <paramref name="updated"/> after a write of <paramref name="options"/>' field manager (an
    /// Update operation): it owns what it added or changed, nobody owns what it removed. Without a field manager (the
    /// store's own callers) ownership stays as it was.
    /// </summary>
    private void RecordUpdate(ResourceType type, JsonObject? old, JsonObject updated, WriteOptions options)
    {
        var meta = Metadata(updated);
        if (options.IsApply) return; // ServerSideApply set them.
        var managed = old is null ? [] : ReadManagedFields(old);
        if (options.FieldManager is not { } manager)
        {
            if (managed.Count > 0) meta["managedFields"] = WriteManagedFields(managed);
            else meta.Remove("managedFields");
            return;
        }

        var keyed = !type.IsCustomResource;
        var (changed, removed) = Compare(old is null ? new JsonObject() : WithoutManagedFields(old), WithoutManagedFields(updated), keyed);
        var mine = managed.FirstOrDefault(m => m.Manager == manager && m.Operation == UpdateOperation && m.ApiVersion == type.ApiVersion);
        var entries = managed
            .Where(m => !ReferenceEquals(m, mine))
            .Select(m => m with { Fields = m.Fields.Except(changed).Except(removed) })
            .ToList();
        var fields = (mine?.Fields ?? FieldSet.Empty).Union(changed).Except(removed);
        var touched = !changed.IsEmpty || !removed.IsEmpty;
        entries.Add(new ManagedFieldsEntry(manager, UpdateOperation, type.ApiVersion, touched ? Now() : mine?.Time, fields));
        var written = WriteManagedFields(entries);
        if (written.Count > 0) meta["managedFields"] = written;
        else meta.Remove("managedFields");
    }

    /// <summary>The apply-created object's managedFields: its configuration's fields, owned by the applier.</summary>
    private void RecordApplyCreate(ResourceType type, JsonObject created, JsonObject configuration, WriteOptions options) =>
        Metadata(created)["managedFields"] = WriteManagedFields(
            [new ManagedFieldsEntry(options.FieldManager ?? "", ApplyOperation, type.ApiVersion, Now(), FieldSet.Of(configuration, !type.IsCustomResource, update: false))]);

    // What changed from before to after: the paths added or whose value changed, and the paths removed.
    private static (FieldSet Changed, FieldSet Removed) Compare(JsonObject before, JsonObject after, bool keyed)
    {
        var beforePaths = FieldSet.Of(before, keyed, update: true);
        var afterPaths = FieldSet.Of(after, keyed, update: true);
        var added = afterPaths.Except(beforePaths);
        var modified = afterPaths.ModifiedLeaves(before, after, beforePaths);
        return (added.Union(modified), beforePaths.Except(afterPaths));
    }

    /// <summary>
    /// 409 Conflict with one <c>FieldManagerConflict</c> cause per field, in the real server's words
    /// (k8s.io/apiserver pkg/endpoints/handlers/fieldmanager/internal/conflict.go, NewConflictError and
    /// getConflictMessage; k8s.io/apimachinery pkg/api/errors NewApplyConflict has no name or kind in its details).
    /// </summary>
    private static ApiException ApplyConflict(List<(ManagedFieldsEntry Owner, FieldSet Fields)> conflicts)
    {
        var flat = conflicts
            .SelectMany(c => c.Fields.Paths.Where(p => !p.EndsWith('.')).OrderBy(p => p, StringComparer.Ordinal).Select(p => (Owner: c.Owner, Path: FieldSet.Print(p))))
            .ToList();
        if (flat.Count == 0) flat = conflicts.SelectMany(c => c.Fields.Paths.Select(p => (Owner: c.Owner, Path: FieldSet.Print(p)))).ToList();
        var causes = flat.Select(c => new StatusCause("FieldManagerConflict", $"conflict with {PrintManager(c.Owner)}", c.Path)).ToList();
        string message;
        if (flat.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {PrintManager(flat[0].Owner)}: {flat[0].Path}";
        }
        else
        {
            // Grouped by manager, sorted by the manager's identifier (the JSON of manager, operation and apiVersion).
            var lines = flat
                .GroupBy(c => c.Owner)
                .OrderBy(g => ManagerIdentifier(g.Key), StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {PrintManager(g.Key)}:" }.Concat(g.Select(c => $"- {c.Path}")));
            message = $"Apply failed with {flat.Count} conflicts: {string.Join("\n", lines)}";
        }
        return new ApiException(409, "Conflict", message, causes: causes);
    }

    // printManager: an Update entry is named with its apiVersion (its identifier has no time), an Apply entry alone.
    private static string PrintManager(ManagedFieldsEntry entry) =>
        entry.Operation == UpdateOperation ? $"\"{entry.Manager}\" using {entry.ApiVersion}" : $"\"{entry.Manager}\"";

    // BuildManagerIdentifier: the entry without fields and time, and without apiVersion for an applier.
    private static string ManagerIdentifier(ManagedFieldsEntry entry) =>
        entry.Operation == ApplyOperation
            ? new JsonObject { ["manager"] = entry.Manager, ["operation"] = entry.Operation }.ToJsonString()
            : new JsonObject { ["manager"] = entry.Manager, ["operation"] = entry.Operation, ["apiVersion"] = entry.ApiVersion }.ToJsonString();

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        if (copy["metadata"] is JsonObject meta) meta.Remove("managedFields");
        return copy;
    }

    private static List<ManagedFieldsEntry> ReadManagedFields(JsonObject obj) =>
        (obj["metadata"]?["managedFields"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(e => new ManagedFieldsEntry(
                e["manager"]?.GetValue<string>() ?? "",
                e["operation"]?.GetValue<string>() ?? UpdateOperation,
                e["apiVersion"]?.GetValue<string>() ?? "",
                e["time"]?.GetValue<string>(),
                FieldSet.FromFieldsV1(e["fieldsV1"] as JsonObject)))
            .ToList();

    // Entries without fields are dropped; the order is the real server's (fieldmanager/internal/managedfields.go,
    // sortEncodedManagedFields): Apply before Update, then by time, manager and apiVersion.
    private static JsonArray WriteManagedFields(IEnumerable<ManagedFieldsEntry> entries)
    {
        var array = new JsonArray();
        foreach (var entry in entries
                     .Where(e => !e.Fields.IsEmpty)
                     .OrderBy(e => e.Operation, StringComparer.Ordinal)
                     .ThenBy(e => e.Time ?? "", StringComparer.Ordinal)
                     .ThenBy(e => e.Manager, StringComparer.Ordinal)
                     .ThenBy(e => e.ApiVersion, StringComparer.Ordinal))
        {
            var json = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
            };
            if (entry.Time is not null) json["time"] = entry.Time;
            json["fieldsType"] = "FieldsV1";
            json["fieldsV1"] = entry.Fields.ToFieldsV1();
            array.Add(json);
        }
        return array;
    }

    private sealed record ManagedFieldsEntry(string Manager, string Operation, string ApiVersion, string? Time, FieldSet Fields);
}
