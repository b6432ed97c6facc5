using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>What the simulated Kaniko takes from a Dockerfile into the image config: the base image name (for its log),
/// the instructions (for the step lines it prints), and ENV, LABEL, WORKDIR, ENTRYPOINT and CMD. The image itself is the
/// minimal base plus the context as one layer: RUN steps are not executed.</summary>
internal sealed class DockerfileSummary
{
    private DockerfileSummary()
    {
    }

    /// <summary>The first <c>FROM</c> image, or <c>scratch</c>.</summary>
    public string BaseImage { get; private set; } = "scratch";

    /// <summary>The instructions in order, each on one line.</summary>
    public List<string> Instructions { get; } = [];

    /// <summary><c>ENV</c> as <c>NAME=value</c>.</summary>
    public List<string> Environment { get; } = [];

    /// <summary><c>LABEL</c>s (<c>key=value</c> pairs, quotes removed; a later one wins), as Kaniko puts them in the
    /// image config's <c>config.Labels</c>.</summary>
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary><c>WORKDIR</c>, or null.</summary>
    public string? WorkingDirectory { get; private set; }

    /// <summary><c>ENTRYPOINT</c>, or null.</summary>
    public JsonArray? Entrypoint { get; private set; }

    /// <summary><c>CMD</c>, or null.</summary>
    public JsonArray? Cmd { get; private set; }

    /// <summary>Reads a Dockerfile (line continuations, comments; exec and shell forms).</summary>
    public static DockerfileSummary Parse(string dockerfile)
    {
        var summary = new DockerfileSummary();
        var logical = string.Empty;
        foreach (var raw in dockerfile.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                logical += line[..^1] + " ";
                continue;
            }

            logical += line;
            if (logical.Trim().Length > 0)
            {
                summary.Add(logical.Trim());
            }

            logical = string.Empty;
        }

        if (logical.Trim().Length > 0)
        {
            summary.Add(logical.Trim());
        }

        return summary;
    }

    private void Add(string instruction)
    {
        Instructions.Add(instruction);
        var space = instruction.IndexOf(' ', StringComparison.Ordinal);
        var keyword = (space < 0 ? instruction : instruction[..space]).ToUpperInvariant();
        var rest = space < 0 ? string.Empty : instruction[(space + 1)..].Trim();
        switch (keyword)
        {
            case "FROM" when Instructions.Count(i => i.StartsWith("FROM", StringComparison.OrdinalIgnoreCase)) == 1:
                BaseImage = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(w => !w.StartsWith("--", StringComparison.Ordinal)) ?? "scratch";
                break;
            case "ENV":
                if (rest.Contains('=', StringComparison.Ordinal))
                {
                    Environment.AddRange(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("\"", string.Empty, StringComparison.Ordinal)));
                }
                else if (rest.IndexOf(' ', StringComparison.Ordinal) is var gap and > 0)
                {
                    Environment.Add($"{rest[..gap]}={rest[(gap + 1)..].Trim()}");
                }

                break;
            case "LABEL":
                foreach (var pair in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Contains('=', StringComparison.Ordinal)))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    Labels[pair[..equals].Trim('"')] = pair[(equals + 1)..].Trim('"');
                }

                break;
            case "WORKDIR":
                WorkingDirectory = rest;
                break;
            case "ENTRYPOINT":
                Entrypoint = Command(rest);
                break;
            case "CMD":
                Cmd = Command(rest);
                break;
        }
    }

    private static JsonArray Command(string text)
    {
        if (text.StartsWith('['))
        {
            try
            {
                if (JsonNode.Parse(text) is JsonArray array)
                {
                    return array;
                }
            }
            catch (JsonException)
            {
                // Docker treats a malformed exec form as shell form.
            }
        }

        return ["/bin/sh", "-c", text];
    }
}
