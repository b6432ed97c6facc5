using System.Text;
using System.Text.RegularExpressions;

namespace Kaptain.Build.Context;

/// <summary>
/// The patterns of a <c>.dockerignore</c> file, matched as Docker (moby <c>patternmatcher</c>) does: <c>#</c> comments,
/// <c>!</c> exceptions, <c>*</c>, <c>?</c>, <c>[...]</c>, <c>**</c> for any number of directories, the last matching
/// pattern wins, and a pattern that matches a directory excludes everything under it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclusion)> patterns;

    private DockerIgnore(List<(Regex, bool)> patterns) => this.patterns = patterns;

    /// <summary>An ignore file with no patterns.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>Parses the text of a <c>.dockerignore</c> file.</summary>
    public static DockerIgnore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<(Regex, bool)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exclusion = line.StartsWith('!');
            if (exclusion)
            {
                line = line[1..].Trim();
            }

            line = Clean(line);
            if (line.Length > 0)
            {
                result.Add((new Regex(ToRegex(line), RegexOptions.CultureInvariant), exclusion));
            }
        }

        return new DockerIgnore(result);
    }

    /// <summary>Reads <c>.dockerignore</c> in <paramref name="directory"/>, or <see cref="Empty"/> when there is none.</summary>
    public static async Task<DockerIgnore> LoadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, ".dockerignore");
        return File.Exists(path) ? Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) : Empty;
    }

    /// <summary>Whether the context path <paramref name="path"/> ('/' separators) is ignored.</summary>
    public bool IsIgnored(string path)
    {
        var parents = Parents(Clean(path));
        var ignored = false;
        foreach (var (pattern, exclusion) in patterns)
        {
            if (parents.Any(pattern.IsMatch))
            {
                ignored = !exclusion;
            }
        }

        return ignored;
    }

    // Docker matches a pattern against the path and each of its parent directories.
    private static List<string> Parents(string path)
    {
        var parts = path.Split('/');
        var result = new List<string>();
        for (var i = 1; i <= parts.Length; i++)
        {
            result.Add(string.Join('/', parts[..i]));
        }

        return result;
    }

    private static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != "..")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        // "**/" matches zero or more directories.
                        i++;
                        regex.Append("(.*/)?");
                    }
                    else
                    {
                        regex.Append(".*");
                    }

                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }

                    var set = pattern[(i + 1)..end];
                    regex.Append('[').Append(set.StartsWith('^') || set.StartsWith('!') ? "^" + set[1..] : set).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    i++;
                    regex.Append(Regex.Escape(pattern[i].ToString()));
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return regex.Append('$').ToString();
    }
}
