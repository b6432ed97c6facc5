using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The JSON record of one step's run (<c>obj/kaptain/run-report-{step}.json</c>): step, run id, image, names, states,
/// durations, the resources created, removed and kept, and the diagnostics. Built as the step goes and written when it
/// ends, however it ends. It never holds a secret: only names, states and diagnostics (whose messages never carry one).
/// </summary>
internal sealed class RunReport
{
    private readonly Lock gate = new();
    private readonly JsonObject values = [];
    private readonly List<string> created = [];
    private readonly List<string> removed = [];
    private readonly List<string> kept = [];
    private readonly List<KaptainDiagnostic> diagnostics = [];

    public RunReport(string step, string runId, string modelId, DateTimeOffset startedAt)
    {
        Step = step;
        values["step"] = step;
        values["runId"] = runId;
        values["model"] = modelId;
        values["startedAt"] = startedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The step's name as the file names it: <c>build-image</c>, <c>train</c>, <c>tune</c>, <c>publish</c>, <c>undeploy</c>, <c>cleanup</c>.</summary>
    public string Step { get; }

    public IReadOnlyList<string> Created
    {
        get
        {
            lock (gate)
            {
                return [.. created];
            }
        }
    }

    public IReadOnlyList<string> Removed
    {
        get
        {
            lock (gate)
            {
                return [.. removed];
            }
        }
    }

    public IReadOnlyList<string> Kept
    {
        get
        {
            lock (gate)
            {
                return [.. kept];
            }
        }
    }

    /// <summary>The file name for a step.</summary>
    public static string FileName(string step) => $"run-report-{step}.json";

    /// <summary>Sets a top-level value (a name, a state, a URL); <see langword="null"/> removes it.</summary>
    public void Set(string key, JsonNode? value)
    {
        lock (gate)
        {
            values[key] = value;
        }
    }

    public void AddCreated(string resource)
    {
        lock (gate)
        {
            created.Add(resource);
        }
    }

    public void AddRemoved(string resource)
    {
        lock (gate)
        {
            if (!removed.Contains(resource))
            {
                removed.Add(resource);
            }
        }
    }

    public void AddKept(string resource)
    {
        lock (gate)
        {
            if (!kept.Contains(resource))
            {
                kept.Add(resource);
            }
        }
    }

    public void AddDiagnostic(KaptainDiagnostic diagnostic)
    {
        lock (gate)
        {
            diagnostics.Add(diagnostic);
        }
    }

    /// <summary>The report's JSON text.</summary>
    public string ToJson(string outcome, DateTimeOffset finishedAt, TimeSpan duration)
    {
        JsonObject document;
        lock (gate)
        {
            document = values.DeepClone().AsObject();
            document["outcome"] = outcome;
            document["finishedAt"] = finishedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            document["durationSeconds"] = Math.Round(duration.TotalSeconds, 3);
            document["created"] = new JsonArray([.. created.Select(r => (JsonNode)r)]);
            document["removed"] = new JsonArray([.. removed.Select(r => (JsonNode)r)]);
            document["kept"] = new JsonArray([.. kept.Select(r => (JsonNode)r)]);
            document["diagnostics"] = new JsonArray([.. diagnostics.Select(d => (JsonNode)new JsonObject
            {
                ["code"] = d.Code,
                ["severity"] = d.Severity.ToString().ToLowerInvariant(),
                ["subject"] = d.Subject,
                ["message"] = d.Message,
            })]);
        }

        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes the report under <paramref name="directory"/>; returns its path.</summary>
    public string Write(string directory, string outcome, DateTimeOffset finishedAt, TimeSpan duration)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName(Step));

        // Synchronous and not cancellable: the report of a cancelled run is written after the token fired.
        File.WriteAllText(path, ToJson(outcome, finishedAt, duration), new UTF8Encoding(false));
        return path;
    }
}
