using System.Text.Json.Nodes;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>The <c>add</c> operation of RFC 6902 JSON Patch, which is all the CRD patches here use.</summary>
internal static class JsonPatch
{
    public static void Apply(JsonNode document, JsonArray operations)
    {
        foreach (var operation in operations.Select(o => o!.AsObject()))
        {
            var op = (string)operation["op"]!;
            if (op != "add")
            {
                throw new NotSupportedException($"JSON patch operation '{op}'");
            }

            var tokens = ((string)operation["path"]!).Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
            var parent = document;
            foreach (var token in tokens[..^1])
            {
                parent = parent is JsonArray array ? array[int.Parse(token)]! : parent[token]
                    ?? throw new InvalidOperationException($"JSON patch path '{operation["path"]}' does not exist");
            }

            var value = operation["value"]?.DeepClone();
            var last = tokens[^1];
            if (parent is JsonArray list)
            {
                if (last == "-")
                {
                    list.Add(value);
                }
                else
                {
                    list.Insert(int.Parse(last), value);
                }
            }
            else
            {
                parent.AsObject()[last] = value;
            }
        }
    }
}
