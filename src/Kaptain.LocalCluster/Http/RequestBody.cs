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
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text)) return null;
        var contentType = context.Request.ContentType ?? "";
        if (contentType.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
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
