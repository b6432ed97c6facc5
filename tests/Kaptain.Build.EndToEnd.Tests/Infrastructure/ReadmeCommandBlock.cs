using System.Text.RegularExpressions;

namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>How a README command block is checked: run in order, started in the background, or not run (with why).</summary>
public enum ReadmeCommandKind
{
    /// <summary>Run in order with the blocks before it, in one shell (<c>&lt;!-- readme-command: run --&gt;</c>).</summary>
    Run,

    /// <summary>Started and left running, like a second terminal, until it prints <c>until</c>
    /// (<c>&lt;!-- readme-command: background until="ready" --&gt;</c>).</summary>
    Background,

    /// <summary>Not run by the README test, for the <c>reason</c> given (<c>&lt;!-- readme-command: not-run reason="..." --&gt;</c>).</summary>
    NotRun,
}

/// <summary>
/// A shell command block of the README (a fenced block without a language, or <c>sh</c>, <c>bash</c>, <c>shell</c>)
/// with the marker comment on the line before it that says how the README test treats it.
/// </summary>
/// <param name="Line">The 1-based line of the opening fence.</param>
/// <param name="Kind">How it is checked; null when the block has no marker.</param>
/// <param name="Text">The commands, dedented.</param>
/// <param name="Until">For a background block, the text its output shows once it is up.</param>
/// <param name="Reason">For a block that is not run, why.</param>
public sealed partial record ReadmeCommandBlock(int Line, ReadmeCommandKind? Kind, string Text, string? Until, string? Reason)
{
    private static readonly string[] ShellLanguages = ["", "sh", "bash", "shell"];

    /// <summary>The shell blocks of a markdown text, in order.</summary>
    public static IReadOnlyList<ReadmeCommandBlock> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<ReadmeCommandBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (Fence().Match(lines[i]) is not { Success: true } open)
            {
                continue;
            }

            var indent = open.Groups["indent"].Value;
            var language = open.Groups["language"].Value.Trim();
            var body = new List<string>();
            var j = i + 1;
            for (; j < lines.Length && lines[j].Trim() != "```"; j++)
            {
                body.Add(lines[j].StartsWith(indent, StringComparison.Ordinal) ? lines[j][indent.Length..] : lines[j]);
            }

            if (ShellLanguages.Contains(language))
            {
                var marker = i > 0 ? Marker().Match(lines[i - 1]) : Match.Empty;
                ReadmeCommandKind? kind = marker.Success
                    ? marker.Groups["kind"].Value switch
                    {
                        "run" => ReadmeCommandKind.Run,
                        "background" => ReadmeCommandKind.Background,
                        "not-run" => ReadmeCommandKind.NotRun,
                        var other => throw new FormatException($"README line {i}: unknown readme-command kind '{other}'."),
                    }
                    : null;
                var attributes = Attribute().Matches(marker.Success ? marker.Groups["attributes"].Value : string.Empty)
                    .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
                blocks.Add(new ReadmeCommandBlock(
                    i + 1, kind, string.Join('\n', body), attributes.GetValueOrDefault("until"), attributes.GetValueOrDefault("reason")));
            }

            i = j;
        }

        return blocks;
    }

    [GeneratedRegex(@"^(?<indent>\s*)```(?<language>[A-Za-z0-9_+-]*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*readme-command:\s*(?<kind>[a-z-]+)(?<attributes>.*?)\s*-->\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex("""(?<name>[a-z]+)="(?<value>[^"]*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Attribute();
}
