using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// Server-side printing (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>) for <c>kubectl get</c>: a
/// <c>meta.k8s.io/v1 Table</c> with Name, the CRD's printer columns or a few columns per built-in kind, and Age.
/// </summary>
internal static class TableConverter
{
    public static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("as=Table", StringComparison.Ordinal));

    public static JsonObject ToTable(ResourceType type, IReadOnlyList<JsonObject> items, string resourceVersion, bool includeObject)
    {
        var columns = Columns(type);
        var definitions = new JsonArray();
        foreach (var (name, colType, _) in columns)
            definitions.Add(new JsonObject { ["name"] = name, ["type"] = colType == "date" ? "string" : colType, ["format"] = name == "Name" ? "name" : "", ["description"] = "", ["priority"] = 0 });
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray();
            foreach (var (_, colType, value) in columns)
            {
                var cell = value(item);
                cells.Add(colType == "date" && cell is JsonValue v && v.TryGetValue<string>(out var date) ? Age(date) : cell?.DeepClone() ?? JsonValue.Create("<none>"));
            }
            var row = new JsonObject { ["cells"] = cells };
            if (includeObject) row["object"] = item.DeepClone();
            rows.Add(row);
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static List<(string Name, string Type, Func<JsonObject, JsonNode?> Value)> Columns(ResourceType type)
    {
        var columns = new List<(string, string, Func<JsonObject, JsonNode?>)> { ("Name", "string", o => o["metadata"]?["name"]) };
        if (type.PrinterColumns.Count > 0)
        {
            foreach (var column in type.PrinterColumns)
            {
                var path = column.JsonPath;
                columns.Add((column.Name, column.Type, o => SimpleJsonPath.Select(o, path) switch
                {
                    [] => null,
                    [var one] => one,
                    var many => JsonValue.Create(string.Join(",", many.Select(n => n.ToString()))),
                }));
            }
            return columns;
        }
        if (type == BuiltInResources.Pod)
        {
            columns.Add(("Ready", "string", o =>
            {
                var statuses = (o["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
                var total = (o["spec"]?["containers"] as JsonArray)?.Count ?? 0;
                return $"{statuses.Count(s => s["ready"]?.GetValue<bool>() == true)}/{total}";
            }));
            columns.Add(("Status", "string", o => o["status"]?["reason"] ?? o["status"]?["phase"]));
            columns.Add(("Restarts", "integer", o => (o["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().Sum(s => (int?)JsonNumbers.AsLong(s["restartCount"]) ?? 0) ?? 0));
        }
        else if (type == BuiltInResources.Job)
        {
            columns.Add(("Status", "string", o =>
            {
                var conditions = (o["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Where(c => c["status"]?.GetValue<string>() == "True").Select(c => c["type"]?.GetValue<string>()).ToList() ?? [];
                return conditions.Contains("Complete") ? "Complete" : conditions.Contains("Failed") ? "Failed" : "Running";
            }));
            columns.Add(("Completions", "string", o => $"{(int?)JsonNumbers.AsLong(o["status"]?["succeeded"]) ?? 0}/{(int?)JsonNumbers.AsLong(o["spec"]?["completions"]) ?? 1}"));
        }
        else if (type == BuiltInResources.Namespace)
        {
            columns.Add(("Status", "string", o => o["status"]?["phase"]));
        }
        else if (type == BuiltInResources.Service)
        {
            columns.Add(("Type", "string", o => o["spec"]?["type"]));
            columns.Add(("Cluster-IP", "string", o => o["spec"]?["clusterIP"]));
        }
        else if (type == BuiltInResources.Secret)
        {
            columns.Add(("Type", "string", o => o["type"]));
            columns.Add(("Data", "integer", o => (o["data"] as JsonObject)?.Count ?? 0));
        }
        else if (type == BuiltInResources.ConfigMap)
        {
            columns.Add(("Data", "integer", o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)));
        }
        else if (type == BuiltInResources.Deployment)
        {
            columns.Add(("Ready", "string", o => $"{(int?)JsonNumbers.AsLong(o["status"]?["readyReplicas"]) ?? 0}/{(int?)JsonNumbers.AsLong(o["spec"]?["replicas"]) ?? 1}"));
        }
        else if (type.Group == "serving.knative.dev")
        {
            columns.Add(("URL", "string", o => o["status"]?["url"]));
            columns.Add(("Ready", "string", o => (o["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Ready")?["status"]));
        }
        columns.Add(("Age", "date", o => o["metadata"]?["creationTimestamp"]));
        return columns;
    }

    private static string Age(string timestamp)
    {
        if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return "<unknown>";
        var age = DateTimeOffset.UtcNow - at;
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        return age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
