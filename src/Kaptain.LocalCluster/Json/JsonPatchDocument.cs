using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Json;

/// <summary>RFC 6902 JSON Patch (<c>application/json-patch+json</c>): add, remove, replace, move, copy, test.</summary>
public static class JsonPatchDocument
{
    /// <summary>Applies the operations to a copy of <paramref name="target"/> and returns it.</summary>
    /// <exception cref="ApiException">422 for an operation that cannot apply (missing path, failed test).</exception>
    public static JsonNode? Apply(JsonNode? target, JsonArray operations)
    {
        var doc = target?.DeepClone();
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op) throw StatusErrors.BadRequest("json patch operations must be objects");
            var kind = op["op"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("json patch operation has no \"op\"");
            var path = op["path"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("json patch operation has no \"path\"");
            switch (kind)
            {
                case "add": doc = Add(doc, path, op["value"]?.DeepClone()); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace": doc = Remove(doc, path, out _); doc = Add(doc, path, op["value"]?.DeepClone()); break;
                case "move":
                    {
                        var from = op["from"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("move needs \"from\"");
                        doc = Remove(doc, from, out var moved);
                        doc = Add(doc, path, moved);
                        break;
                    }
                case "copy":
                    {
                        var from = op["from"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("copy needs \"from\"");
                        doc = Add(doc, path, Get(doc, from)?.DeepClone());
                        break;
                    }
                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), op["value"]))
                        throw Unprocessable($"testing value {path} failed");
                    break;
                default: throw StatusErrors.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return doc;
    }

    private static ApiException Unprocessable(string message) => new(422, "Invalid", message);

    private static string[] Tokens(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') throw Unprocessable($"invalid JSON pointer: {path}");
        return path[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static JsonNode? Get(JsonNode? doc, string path)
    {
        var node = doc;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Unprocessable($"doc is missing path: {path}"),
            };
        }
        return node;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode? doc, string path)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) throw Unprocessable("cannot address the document root here");
        var parentPath = string.Concat(tokens[..^1].Select(t => "/" + t.Replace("~", "~0").Replace("/", "~1")));
        var parent = Get(doc, parentPath) ?? throw Unprocessable($"doc is missing path: {path}");
        return (parent, tokens[^1]);
    }

    private static JsonNode? Add(JsonNode? doc, string path, JsonNode? value)
    {
        if (path.Length == 0) return value;
        var (parent, last) = Parent(doc, path);
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count) a.Insert(i, value);
                else throw Unprocessable($"add operation index out of bounds: {path}");
                break;
            default: throw Unprocessable($"doc is missing path: {path}");
        }
        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string path, out JsonNode? removed)
    {
        var (parent, last) = Parent(doc, path);
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var v):
                o.Remove(last);
                removed = v;
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default: throw Unprocessable($"doc is missing path: {path}: missing value");
        }
        return doc;
    }
}
