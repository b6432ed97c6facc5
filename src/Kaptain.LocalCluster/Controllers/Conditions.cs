using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>The <c>status.conditions</c> list as the Kubernetes API conventions define it: one entry per type, the
/// transition time changing only when the status does.</summary>
internal static class Conditions
{
    /// <summary>Sets a condition on <paramref name="status"/>; returns whether anything changed.</summary>
    public static bool Set(JsonObject status, string type, string conditionStatus, string? reason, string? message, DateTimeOffset now, bool withUpdateTime = false)
    {
        var conditions = status["conditions"] as JsonArray ?? (JsonArray)(status["conditions"] = new JsonArray());
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => ObjectFields.Text(c["type"]) == type);
        if (existing is not null
            && ObjectFields.Text(existing["status"]) == conditionStatus
            && ObjectFields.Text(existing["reason"]) == reason
            && ObjectFields.Text(existing["message"]) == message)
        {
            return false;
        }

        var timestamp = ObjectFields.Timestamp(now);
        var transition = existing is not null && ObjectFields.Text(existing["status"]) == conditionStatus
            ? ObjectFields.Text(existing["lastTransitionTime"]) ?? timestamp
            : timestamp;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = conditionStatus,
            ["lastTransitionTime"] = transition,
        };
        if (withUpdateTime)
        {
            condition["lastUpdateTime"] = timestamp;
        }

        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }

        return true;
    }

    /// <summary>Whether the condition of <paramref name="type"/> has status True.</summary>
    public static bool IsTrue(JsonNode? status, string type) =>
        (status?["conditions"] as JsonArray)?.Any(c => ObjectFields.Text(c?["type"]) == type && ObjectFields.Text(c?["status"]) == "True") ?? false;

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static JsonNode? Find(JsonNode? status, string type) =>
        (status?["conditions"] as JsonArray)?.FirstOrDefault(c => ObjectFields.Text(c?["type"]) == type);
}
