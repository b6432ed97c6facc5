using System.Text;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// A set of field paths of an object, as server-side apply tracks them (sigs.k8s.io/structured-merge-diff
/// <c>fieldpath.Set</c>) and as <c>metadata.managedFields[].fieldsV1</c> spells them: <c>f:name</c> for a field,
/// <c>k:{"name":"c"}</c> for an element of a list keyed by <c>name</c>, and <c>.</c> for a map or list element itself.
/// A path is its segments joined by a newline.
/// </summary>
/// <remarks>
/// What is a keyed list is taken from k8s' strategic merge keys (containers, env, volumes... by <c>name</c>) for the
/// built-in kinds; every other list is atomic (one leaf), as lists are in CRD schemas without
/// <c>x-kubernetes-list-type: map</c>. Container <c>ports</c> (keyed by <c>containerPort</c> and <c>protocol</c> on
/// the real server) are atomic here.
/// </remarks>
internal sealed class FieldSet
{
    private const char Separator = '\n';

    // Fields the real server never tracks (k8s.io/apiserver pkg/endpoints/handlers/fieldmanager/stripmeta.go), plus
    // the deletion fields the server sets.
    private static readonly HashSet<string> StrippedMetadata =
        ["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"];

    private static readonly HashSet<string> KeyedByName = ["containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets"];

    // Structs that always exist in the typed object (non-pointer Go fields): an Update never "adds" them, so their
    // entries carry no "." (seen on the real server: f:metadata and f:spec without ".", f:data and f:labels with it).
    private static readonly HashSet<string> AlwaysPresent = ["metadata", "spec", "status", "template", "strategy"];

    private readonly HashSet<string> _paths;

    // For a set read from an object (Of): each leaf path's node in that object, so that comparing two objects' leaves
    // needs no walk down from the root per path.
    private readonly Dictionary<string, JsonNode?>? _leaves;

    private FieldSet(IEnumerable<string> paths) => _paths = new HashSet<string>(paths, StringComparer.Ordinal);

    private FieldSet(HashSet<string> paths, Dictionary<string, JsonNode?> leaves)
    {
        _paths = paths;
        _leaves = leaves;
    }

    /// <summary>The empty set.</summary>
    public static FieldSet Empty => new([]);

    /// <summary>Whether the set has no path.</summary>
    public bool IsEmpty => _paths.Count == 0;

    /// <summary>The paths.</summary>
    public IReadOnlyCollection<string> Paths => _paths;

    /// <summary>
    /// The fields of <paramref name="obj"/>. <paramref name="update"/>: as an Update operation records them (maps that
    /// appear carry <c>.</c>); otherwise as an applied configuration (only leaves and keyed list elements).
    /// </summary>
    public static FieldSet Of(JsonObject obj, bool keyedLists, bool update)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        Collect(obj, "", root: true, metadata: false, keyedLists, update, paths, leaves);
        return new FieldSet(paths, leaves);
    }

    /// <summary>Reads a <c>fieldsV1</c> tree.</summary>
    public static FieldSet FromFieldsV1(JsonObject? tree)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        if (tree is not null) Read(tree, "", paths);
        return new FieldSet(paths);
    }

    /// <summary>The <c>fieldsV1</c> tree of the set.</summary>
    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var path in _paths.OrderBy(p => p, StringComparer.Ordinal))
        {
            var node = root;
            foreach (var segment in path.Split(Separator))
            {
                if (node[segment] is not JsonObject child) node[segment] = child = new JsonObject();
                node = child;
            }
        }
        return Sorted(root);
    }

    /// <summary>Whether the set holds <paramref name="path"/>.</summary>
    public bool Contains(string path) => _paths.Contains(path);

    /// <summary>Whether the set holds <paramref name="path"/> or a path below it (or, for a <c>.</c> path, below its node).</summary>
    public bool ContainsOrBelow(string path)
    {
        var node = path.EndsWith(Separator + ".", StringComparison.Ordinal) ? path[..^2] : path;
        return _paths.Any(p => p == path || p == node || p.StartsWith(node + Separator, StringComparison.Ordinal));
    }

    /// <summary>The paths in both sets.</summary>
    public FieldSet Intersect(FieldSet other) => new(_paths.Where(other._paths.Contains));

    /// <summary>The paths of this set not in <paramref name="other"/>.</summary>
    public FieldSet Except(FieldSet other) => new(_paths.Where(p => !other._paths.Contains(p)));

    /// <summary>The paths of both sets.</summary>
    public FieldSet Union(FieldSet other) => new(_paths.Concat(other._paths));

    /// <summary>Whether both sets hold the same paths.</summary>
    public bool SetEquals(FieldSet other) => _paths.SetEquals(other._paths);

    /// <summary>The leaves whose values differ between <paramref name="before"/> and <paramref name="after"/> (present in both).</summary>
    public FieldSet ModifiedLeaves(JsonObject before, JsonObject after, FieldSet beforePaths) =>
        new(_paths.Where(p => !p.EndsWith(Separator + ".", StringComparison.Ordinal) && p != "." && beforePaths.Contains(p)
            && !JsonNode.DeepEquals(beforePaths.Leaf(before, p), Leaf(after, p))));

    // The node at a leaf path of the object this set was read from (or, for another set, looked up from the root).
    private JsonNode? Leaf(JsonObject obj, string path) =>
        _leaves is not null && _leaves.TryGetValue(path, out var node) ? node : ValueAt(obj, path);

    /// <summary>The value at <paramref name="path"/> (null when absent; a <c>.</c> path names its node).</summary>
    public static JsonNode? ValueAt(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split(Separator))
        {
            if (segment == ".") return node;
            node = Child(node, segment);
            if (node is null) return null;
        }
        return node;
    }

    /// <summary>Removes the field or list element <paramref name="path"/> names from <paramref name="obj"/>.</summary>
    public static void RemoveAt(JsonObject obj, string path)
    {
        var segments = path.Split(Separator).ToList();
        if (segments[^1] == ".") segments.RemoveAt(segments.Count - 1);
        if (segments.Count == 0) return;
        JsonNode? parent = obj;
        foreach (var segment in segments.Take(segments.Count - 1))
        {
            parent = Child(parent, segment);
            if (parent is null) return;
        }
        var last = segments[^1];
        if (parent is JsonObject o && last.StartsWith("f:", StringComparison.Ordinal)) o.Remove(last[2..]);
        else if (parent is JsonArray a && Child(a, last) is { } element) a.Remove(element);
    }

    /// <summary>
    /// The path as structured-merge-diff prints it in conflicts: <c>.data.key</c>,
    /// <c>.spec.containers[name="c"].image</c> (fieldpath.Path.String).
    /// </summary>
    public static string Print(string path)
    {
        var text = new StringBuilder();
        foreach (var segment in path.Split(Separator))
        {
            if (segment == ".") continue;
            if (segment.StartsWith("f:", StringComparison.Ordinal)) text.Append('.').Append(segment[2..]);
            else if (segment.StartsWith("k:", StringComparison.Ordinal))
            {
                var key = JsonNode.Parse(segment[2..])!.AsObject();
                text.Append('[').Append(string.Join(",", key.Select(k => $"{k.Key}={k.Value!.ToJsonString()}"))).Append(']');
            }
            else text.Append('[').Append(segment).Append(']');
        }
        return text.ToString();
    }

    private static JsonNode? Child(JsonNode? node, string segment)
    {
        if (segment.StartsWith("f:", StringComparison.Ordinal))
            return node is JsonObject o && o.TryGetPropertyValue(segment[2..], out var value) ? value : null;
        if (segment.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray list)
        {
            var key = JsonNode.Parse(segment[2..])!.AsObject();
            return list.OfType<JsonObject>().FirstOrDefault(e => key.All(k => JsonNode.DeepEquals(e[k.Key], k.Value)));
        }
        return null;
    }

    private static void Collect(JsonObject obj, string prefix, bool root, bool metadata, bool keyedLists, bool update, HashSet<string> paths, Dictionary<string, JsonNode?> leaves)
    {
        foreach (var (key, value) in obj)
        {
            if (root && key is "apiVersion" or "kind") continue;
            if (metadata && StrippedMetadata.Contains(key)) continue;
            var path = prefix + "f:" + key;
            switch (value)
            {
                case JsonObject map when map.Count > 0:
                    if (update && !AlwaysPresent.Contains(key)) paths.Add(path + Separator + ".");
                    Collect(map, path + Separator, root: false, metadata: root && key == "metadata", keyedLists, update, paths, leaves);
                    break;
                case JsonArray list when keyedLists && KeyedByName.Contains(key) && list.All(e => e is JsonObject { } o && o["name"] is JsonValue):
                    foreach (var element in list.OfType<JsonObject>())
                    {
                        var elementPath = path + Separator + "k:" + new JsonObject { ["name"] = element["name"]!.DeepClone() }.ToJsonString();
                        paths.Add(elementPath + Separator + ".");
                        Collect(element, elementPath + Separator, root: false, metadata: false, keyedLists, update, paths, leaves);
                    }
                    if (list.Count == 0)
                    {
                        paths.Add(path);
                        leaves[path] = list;
                    }
                    break;
                default:
                    paths.Add(path);
                    leaves[path] = value;
                    break;
            }
        }
    }

    private static void Read(JsonObject tree, string prefix, HashSet<string> paths)
    {
        foreach (var (key, value) in tree)
        {
            var path = prefix + key;
            if (key == ".") paths.Add(path);
            else if (value is JsonObject { Count: > 0 } children) Read(children, path + Separator, paths);
            else paths.Add(path);
        }
    }

    private static JsonObject Sorted(JsonObject node)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in node.OrderBy(p => p.Key == "." ? "" : p.Key, StringComparer.Ordinal).ToList())
        {
            node.Remove(key);
            sorted[key] = value is JsonObject child ? Sorted(child) : value;
        }
        return sorted;
    }
}
