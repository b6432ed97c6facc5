using System.Text.RegularExpressions;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>One line of a scenario file: resources of <paramref name="Kind"/> whose name matches
/// <paramref name="NamePattern"/> do <paramref name="Scenario"/>.</summary>
/// <param name="Kind">The kind (<c>Job</c>, <c>TFJob</c>, <c>Trial</c>...), case-insensitive; <c>*</c> is any kind.</param>
/// <param name="NamePattern">A name with <c>*</c> (any characters) and <c>?</c> (one character) wildcards.</param>
/// <param name="Scenario">What the matched workload does.</param>
/// <param name="Line">The line of the file, for messages.</param>
internal sealed record ScenarioRule(string Kind, string NamePattern, Scenario Scenario, int Line)
{
    private readonly Regex _name = new(
        "^" + Regex.Escape(NamePattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
        RegexOptions.CultureInvariant);

    /// <summary>Whether the rule applies to a resource of this kind and name.</summary>
    public bool Matches(string kind, string name) =>
        (Kind == "*" || string.Equals(Kind, kind, StringComparison.OrdinalIgnoreCase)) && _name.IsMatch(name);
}
