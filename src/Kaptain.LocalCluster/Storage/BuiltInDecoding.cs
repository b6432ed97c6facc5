using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// What kube-apiserver rejects already while it decodes a built-in object into its Go type, with 400 BadRequest
/// (<c>Pod in version "v1" cannot be handled as a Pod: ...</c>) before any validation: a malformed resource quantity,
/// Secret data that is not base64.
/// </summary>
internal static class BuiltInDecoding
{
    public static void Check(ResourceType type, JsonObject obj)
    {
        var spec = obj["spec"];
        var podSpec = type == BuiltInResources.Pod ? spec
            : type == BuiltInResources.Job || type == BuiltInResources.Deployment || type == BuiltInResources.ReplicaSet ? spec?["template"]?["spec"]
            : null;
        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var container in (podSpec?[list] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                foreach (var kind in new[] { "requests", "limits" })
                {
                    foreach (var (_, value) in container["resources"]?[kind] as JsonObject ?? [])
                    {
                        var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
                        if (Quantity.Parse(text) is null) throw CannotHandle(type, Quantity.FormatError);
                    }
                }
            }
        }
        if (type == BuiltInResources.Secret)
        {
            foreach (var (_, value) in obj["data"] as JsonObject ?? [])
            {
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (text is null || !IsBase64(text)) throw CannotHandle(type, "illegal base64 data at input byte 0");
            }
        }
    }

    private static bool IsBase64(string text)
    {
        // Go's encoding/base64 StdEncoding: padded, no whitespace.
        if (text.Length % 4 != 0 || text.Any(char.IsWhiteSpace)) return false;
        return Convert.TryFromBase64String(text, new byte[text.Length], out _);
    }

    private static ApiException CannotHandle(ResourceType type, string why) =>
        StatusErrors.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {why}");
}
