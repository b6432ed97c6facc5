namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// The rules of a scenario file (<c>--scenario &lt;file&gt;</c>): one rule a line, <c>KIND NAME-PATTERN SCENARIO</c>,
/// first match wins; <c>s3-credentials ACCESS-KEY SECRET-KEY</c> lines name the object store's credentials; blank
/// lines and lines starting with <c>#</c> are ignored. See <c>src/Kaptain.LocalCluster/README.md</c>.
/// </summary>
public sealed class ScenarioFile
{
    /// <summary>The first word of the line that names the object store's credentials: <c>s3-credentials ACCESS-KEY SECRET-KEY</c>.</summary>
    public const string S3CredentialsDirective = "s3-credentials";

    private readonly IReadOnlyList<ScenarioRule> _rules;

    private ScenarioFile(IReadOnlyList<ScenarioRule> rules, IReadOnlyDictionary<string, string> s3Credentials)
    {
        _rules = rules;
        S3Credentials = s3Credentials;
    }

    /// <summary>A file without rules: everything does the default or what its own annotation or environment says.</summary>
    public static ScenarioFile Empty { get; } = new([], new Dictionary<string, string>());

    /// <summary>
    /// The access keys (with their secret keys) the object store accepts, from <c>s3-credentials</c> lines: what a
    /// simulated training script's upload is checked against, as a real S3 checks the signature (s3rver, the test
    /// object store, checks none). Empty: any non-empty pair is accepted.
    /// </summary>
    public IReadOnlyDictionary<string, string> S3Credentials { get; }

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
        var credentials = new Dictionary<string, string>(StringComparer.Ordinal);
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

            if (parts[0] == S3CredentialsDirective)
            {
                if (parts[2].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is not [var secretKey])
                {
                    throw new ScenarioFormatException($"{source}, line {index + 1}: expected '{S3CredentialsDirective} ACCESS-KEY SECRET-KEY'");
                }

                credentials[parts[1]] = secretKey;
                continue;
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

        return new ScenarioFile(rules, credentials);
    }

    /// <summary>The scenario of the first rule that matches the kind and name, or null.</summary>
    public Scenario? Find(string kind, string name) => _rules.FirstOrDefault(r => r.Matches(kind, name))?.Scenario;
}
