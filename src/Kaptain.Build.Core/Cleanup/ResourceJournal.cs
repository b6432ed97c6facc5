using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Kaptain.Build.Cluster;
using Kaptain.Build.Manifests;

namespace Kaptain.Build.Cleanup;

/// <summary>
/// Every resource a run creates, recorded the moment the API accepts it, in memory and (when opened on a file) as one
/// JSON line per entry, flushed at once, so that a run killed with SIGKILL still leaves a list of what it left behind.
/// Deletions and deliberate keeps are recorded too; <see cref="Pending"/> is what still needs removing.
/// </summary>
public sealed class ResourceJournal : IDisposable
{
    private static readonly JsonSerializerOptions LineOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly List<JournalEntry> entries;
    private readonly FileStream? file;
    private readonly Lock gate = new();
    private readonly TimeProvider clock;

    private ResourceJournal(string? path, List<JournalEntry> entries, TimeProvider clock)
    {
        Path = path;
        this.entries = entries;
        this.clock = clock;
        if (path is not null)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        }
    }

    /// <summary>The journal file, or <see langword="null"/> for an in-memory journal.</summary>
    public string? Path { get; }

    /// <summary>Every entry, oldest first (including those read from an existing file).</summary>
    public IReadOnlyList<JournalEntry> Entries
    {
        get
        {
            lock (gate)
            {
                return [.. entries];
            }
        }
    }

    /// <summary>
    /// Opens (or creates) a journal file under <c>obj/kaptain/</c> and reads what an earlier run left in it; new entries
    /// are appended.
    /// </summary>
    public static ResourceJournal Open(string path, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new ResourceJournal(path, [.. Read(path)], clock ?? TimeProvider.System);
    }

    /// <summary>A journal kept in memory only (for callers that have no project folder).</summary>
    public static ResourceJournal InMemory(TimeProvider? clock = null) => new(null, [], clock ?? TimeProvider.System);

    /// <summary>
    /// Reads a journal file. A missing file is an empty journal; a line cut short by a killed process is skipped.
    /// </summary>
    public static IReadOnlyList<JournalEntry> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var result = new List<JournalEntry>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<Line>(line, LineOptions) is { Name.Length: > 0 } parsed)
                {
                    result.Add(parsed.ToEntry());
                }
            }
            catch (JsonException)
            {
                // The tail of a run killed mid-write; the resource is still found by a label sweep.
            }
        }

        return result;
    }

    /// <summary>
    /// The resources created and neither deleted nor kept since, oldest first; optionally of one run only.
    /// </summary>
    public IReadOnlyList<JournalEntry> Pending(string? runId = null) => PendingOf(Entries, runId);

    /// <summary>The pending resources of a list of entries (see <see cref="Pending"/>).</summary>
    public static IReadOnlyList<JournalEntry> PendingOf(IEnumerable<JournalEntry> entries, string? runId = null)
    {
        var pending = new List<JournalEntry>();
        foreach (var entry in entries)
        {
            if (entry.Action == JournalAction.Created)
            {
                pending.RemoveAll(existing => existing.Resource.SameObjectAs(entry.Resource));
                pending.Add(entry);
            }
            else
            {
                pending.RemoveAll(existing => existing.Resource.SameObjectAs(entry.Resource));
            }
        }

        return runId is null ? pending : pending.Where(entry => entry.RunId == runId).ToList();
    }

    /// <summary>Records a resource the API just accepted, reading its step and run from its labels.</summary>
    /// <param name="created">The resource as the server returned it.</param>
    /// <param name="defaultNamespace">The namespace when the object names none.</param>
    public JournalEntry RecordCreated(JsonObject created, string defaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(created);
        return Record(
            JournalAction.Created,
            ResourceReference.From(created, defaultNamespace),
            KubernetesObjectJson.Label(created, ManifestLabels.Step),
            KubernetesObjectJson.Label(created, ManifestLabels.Run));
    }

    /// <summary>Appends one entry and flushes it to the file before returning.</summary>
    public JournalEntry Record(JournalAction action, ResourceReference resource, string? step, string? runId)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var entry = new JournalEntry(action, resource, step, runId, clock.GetUtcNow());
        lock (gate)
        {
            entries.Add(entry);
            if (file is not null)
            {
                // Written synchronously under the lock and flushed to the OS: a cancelled build token must never
                // stop a record, and a kill right after still finds the line on disk.
                var bytes = JsonSerializer.SerializeToUtf8Bytes(Line.From(entry), LineOptions);
                file.Write(bytes);
                file.WriteByte((byte)'\n');
                file.Flush();
            }
        }

        return entry;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            file?.Dispose();
        }
    }

    // The file format: one flat JSON object per line.
    private sealed record Line(
        JournalAction Action,
        string ApiVersion,
        string Kind,
        string Namespace,
        string Name,
        string? Uid,
        string? Step,
        string? RunId,
        DateTimeOffset Time)
    {
        public static Line From(JournalEntry entry) => new(
            entry.Action, entry.Resource.ApiVersion, entry.Resource.Kind, entry.Resource.Namespace, entry.Resource.Name,
            entry.Resource.Uid, entry.Step, entry.RunId, entry.Time);

        public JournalEntry ToEntry() =>
            new(Action, new ResourceReference(ApiVersion, Kind, Namespace, Name, Uid), Step, RunId, Time);
    }
}
