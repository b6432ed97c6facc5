using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Kaptain.Build.Model;

/// <summary>
/// A container image reference parsed with the grammar of <c>distribution/reference</c>:
/// <c>[domain/]path[:tag][@digest]</c>, where the first component is the domain when it contains '.' or ':',
/// is <c>localhost</c> or has an upper-case letter.
/// </summary>
public sealed partial record ImageReference
{
    private const int NameTotalLengthMax = 255;

    /// <summary>The registry host and port, or <see langword="null"/> when the reference names none (Docker Hub).</summary>
    public string? Domain { get; init; }

    /// <summary>The repository path, for example <c>dev/mnist</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The tag, when there is one.</summary>
    public string? Tag { get; init; }

    /// <summary>The digest (<c>sha256:...</c>), when there is one.</summary>
    public string? Digest { get; init; }

    /// <summary>The repository: <c>[domain/]path</c>.</summary>
    public string Repository => Domain is null ? Path : $"{Domain}/{Path}";

    /// <summary>Parses <paramref name="text"/>; false when it does not follow the reference grammar.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ImageReference? reference)
    {
        reference = null;
        var match = ReferenceRegex().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var name = match.Groups["name"].Value;
        if (name.Length > NameTotalLengthMax)
        {
            return false;
        }

        string? domain = null;
        var path = name;
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = name[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal)
                || first == "localhost" || first.Any(char.IsAsciiLetterUpper))
            {
                domain = first;
                path = name[(slash + 1)..];
            }
        }

        // The domain pattern admits upper case, the path pattern does not; a first component that is not a domain
        // must therefore still match the path grammar.
        if (!PathRegex().IsMatch(path) || (domain is not null && !DomainRegex().IsMatch(domain)))
        {
            return false;
        }

        reference = new ImageReference
        {
            Domain = domain,
            Path = path,
            Tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null,
            Digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null,
        };
        return true;
    }

    /// <summary>This reference with <paramref name="tag"/> as its tag.</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag };

    /// <inheritdoc />
    public override string ToString() =>
        Repository + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string DomainPattern = "(?:" + DomainComponent + @"(?:\." + DomainComponent + @")*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?";
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string PathPattern = PathComponent + "(?:/" + PathComponent + ")*";

    [GeneratedRegex("^(?<name>(?:" + DomainPattern + "/)?" + PathPattern + @")(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex("^" + PathPattern + "$")]
    private static partial Regex PathRegex();

    [GeneratedRegex("^" + DomainPattern + "$")]
    private static partial Regex DomainRegex();
}
