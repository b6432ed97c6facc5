using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kaptain.Build.Cluster;

/// <summary>
/// The objects a watch has seen and, where its caller needs them, their last states, so that a relist which no longer
/// shows one can report it as deleted with its last state (as client-go's informers do with
/// <c>DeletedFinalStateUnknown</c>). Each state is its UTF-8 JSON deflated at the fastest level, written straight from
/// the DOM with no intermediate string, and inflated again only in the rare case of a deletion seen by a relist. A
/// caller that ignores deletions (a tune follows a thousand trials with one watch, each Trial a few kilobytes with its
/// run spec) keeps names only: measured in the 1,000-trial bench, the compressed states were the build's one managed
/// allocation that grew with every trial (one byte array of more than 1 KB per trial).
/// </summary>
/// <param name="keepStates">Whether to keep the states, or only the names.</param>
internal sealed class LastKnownStates(bool keepStates = true)
{
    private readonly Dictionary<string, byte[]> states = new(StringComparer.Ordinal);

    /// <summary>How many objects are known.</summary>
    public int Count => states.Count;

    /// <summary>The bytes held for all states (for the bench and the tests).</summary>
    public long RetainedBytes => states.Values.Sum(s => (long)s.Length);

    /// <summary>The names of the known objects.</summary>
    public IEnumerable<string> Names => states.Keys;

    /// <summary>Whether an object of this name is known.</summary>
    public bool Contains(string name) => states.ContainsKey(name);

    /// <summary>Remembers <paramref name="state"/> as the last state of <paramref name="name"/>.</summary>
    public void Set(string name, JsonObject state)
    {
        if (!keepStates)
        {
            // The existing key is kept: the name is not stored again for every change.
            states.TryAdd(name, []);
            return;
        }

        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new Utf8JsonWriter(deflate))
        {
            state.WriteTo(writer);
        }

        states[name] = buffer.ToArray();
    }

    /// <summary>Forgets an object (its deletion was seen).</summary>
    public void Remove(string name) => states.Remove(name);

    /// <summary>Forgets an object and returns its last state (null where states are not kept).</summary>
    public JsonObject? Take(string name)
    {
        var compressed = states[name];
        states.Remove(name);
        if (!keepStates)
        {
            return null;
        }

        using var deflate = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
        return JsonNode.Parse(deflate)!.AsObject();
    }
}
