using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>Writing JSON bodies, <c>Status</c> errors and <c>Warning</c> headers the way the API server does.</summary>
internal static class ApiResponses
{
    public static async Task WriteJsonAsync(HttpContext context, JsonNode body, int statusCode = 200)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiException error)
    {
        if (error.RetryAfterSeconds is int retry) context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteJsonAsync(context, error.ToStatus(), error.Code);
    }

    public static void AddWarnings(HttpContext context, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings)
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"")}\"");
    }

    public static JsonObject Success(ApiPath path, string name, string? uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject
        {
            ["name"] = name,
            ["group"] = path.Type.Group,
            ["kind"] = path.Type.Plural,
            ["uid"] = uid,
        },
    };
}
