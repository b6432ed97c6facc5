using System.Text.Json;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>Reads a request body as JSON (or YAML for server-side apply).</summary>
internal static class RequestBody
{
    public static async Task<JsonNode?> ReadAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (buffer.Length == 0) return null;
        if (ProtobufRequestDecoder.IsProtobuf(contentType)) return ProtobufRequestDecoder.Decode(buffer.ToArray());
        var text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase) ? YamlToJson.Parse(text) : JsonNode.Parse(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw StatusErrors.BadRequest($"the object provided is unrecognized: {e.Message}");
        }
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadAsync(context).ConfigureAwait(false) as JsonObject ?? throw StatusErrors.BadRequest("the body of the request must be a JSON object");
}
