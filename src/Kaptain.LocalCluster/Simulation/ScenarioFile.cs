namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// The rules of a scenario file (<c>--scenario &lt;file&gt;</c>): one rule a line, <c>KIND NAME-PATTERN SCENARIO</c>,
/// first match wins; blank lines and lines starting with <c>#</c> are ignored. See <c>src/Kaptain.LocalCluster/README.md</c>.
/// </summary>
public sealed class ScenarioFile
{
    private readonly IReadOnlyList<ScenarioRule> _rules;

    private ScenarioFile(IReadOnlyList<ScenarioRule> rules)
    {
        _rules = rules;
    }

    /// <summary>A file without rules: everything does the default or what its own annotation or environment says.</summary>
    public static ScenarioFile Empty { get; } = new([]);

    /// <summary>How many rules the file has.</summary>
    public int Count => _rules.Count;

    /// <summary>Reads a scenario file from disk.</summary>
    /// <exception cref="ScenarioFormatException">A line is not a rule; the message names the file and line.</exception>
    public static async Task<ScenarioFile> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(text, path);
    }

    /// <summary>Reads the rules from text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="ScenarioFormatException">A line is not a rule; the message names the source and line.</exception>
    public static ScenarioFile Parse(string text, string source = "scenario file")
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<ScenarioRule>();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3)
            {
                throw new ScenarioFormatException($"{source}, line {index + 1}: expected 'KIND NAME-PATTERN SCENARIO', found '{line}'");
            }

            Scenario scenario;
            try
            {
                scenario = Scenario.Parse(parts[2]);
            }
            catch (ScenarioFormatException e)
            {
                throw new ScenarioFormatException($"{source}, line {index + 1}: {e.Message}");
            }

            rules.Add(new ScenarioRule(parts[0], parts[1], scenario, index + 1));
        }

        return new ScenarioFile(rules);
    }

    /// <summary>The scenario of the first rule that matches the kind and name, or null.</summary>
    public Scenario? Find(string kind, string name) => _rules.FirstOrDefault(r => r.Matches(kind, name))?.Scenario;
}
