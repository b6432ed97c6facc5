using System.Globalization;
using System.Text;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// What a simulated workload does: how it ends, after how long, what it prints. The text format is documented in
/// <c>src/Kaptain.LocalCluster/README.md</c>, for example
/// <c>succeed after=2s; log="epoch 1 loss=0.4"; metric accuracy="0.9-abs(lr-0.01)*10"</c>.
/// </summary>
public sealed class Scenario
{
    private static readonly TimeSpan DefaultAfter = TimeSpan.FromSeconds(1);

    private Scenario(string text)
    {
        Text = text;
    }

    /// <summary>What a workload does when nothing scripts it: succeeds after about a second, printing a few lines.</summary>
    public static Scenario Default { get; } = new("succeed")
    {
        IsDefault = true,
        Logs = ["Starting the workload", "Step 1/2", "Step 2/2", "Done"],
    };

    /// <summary>The text the scenario was read from.</summary>
    public string Text { get; }

    /// <summary>How the workload ends.</summary>
    public ScenarioOutcome Outcome { get; private init; } = ScenarioOutcome.Succeed;

    /// <summary>How long each run lasts (<c>after=</c>), from Running to its end.</summary>
    public TimeSpan After { get; private init; } = DefaultAfter;

    /// <summary>The termination reason of a failure (<c>reason=</c>): <c>Error</c> unless given, e.g. <c>OOMKilled</c>.
    /// For <c>pending</c>, the reason of the unscheduled condition (<c>Unschedulable</c> unless given).</summary>
    public string Reason { get; private init; } = "Error";

    /// <summary>The exit code of a failure (<c>exit=</c>): 137 for <c>OOMKilled</c>, 1 otherwise, unless given.</summary>
    public int ExitCode { get; private init; } = 1;

    /// <summary>The message of a failure (<c>message=</c>), printed as the last line and set on the status.</summary>
    public string? Message { get; private init; }

    /// <summary>For <c>crashloop</c> and <c>crash</c>, how many runs crash before one succeeds (<c>restarts=</c>); null crashes forever.</summary>
    public int? Restarts { get; private init; }

    /// <summary>The lines the workload prints (<c>log=</c>, repeatable), spread over its run.</summary>
    public IReadOnlyList<string> Logs { get; private init; } = [];

    /// <summary>The metrics the workload prints as <c>name=value</c> lines at the end of its run (<c>metric name="formula"</c>).</summary>
    internal IReadOnlyList<ScenarioMetric> Metrics { get; private init; } = [];

    /// <summary>True for <see cref="Default"/>: a trial then prints made-up values for its experiment's metrics.</summary>
    public bool IsDefault { get; private init; }

    /// <summary>Whether run number <paramref name="run"/> (0 for the first start, counting restarts and earlier pods)
    /// ends in failure.</summary>
    public bool FailsOnRun(int run) => Outcome switch
    {
        ScenarioOutcome.Fail => true,
        ScenarioOutcome.CrashLoop or ScenarioOutcome.Crash => Restarts is not { } restarts || run < restarts,
        _ => false,
    };

    /// <summary>Reads a scenario.</summary>
    /// <exception cref="ScenarioFormatException">The text is not a scenario; the message says where and why.</exception>
    public static Scenario Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ScenarioOutcome? outcome = null;
        var after = DefaultAfter;
        string? reason = null;
        int? exitCode = null;
        string? message = null;
        int? restarts = null;
        var logs = new List<string>();
        var metrics = new List<ScenarioMetric>();

        foreach (var clause in Tokenize(text))
        {
            for (var i = 0; i < clause.Count; i++)
            {
                var (key, value) = clause[i];
                if (value is null)
                {
                    if (key == "metric")
                    {
                        if (i + 1 >= clause.Count || clause[i + 1].Value is null)
                        {
                            throw new ScenarioFormatException($"scenario '{text}': 'metric' is followed by name=\"formula\"");
                        }

                        i++;
                        metrics.Add(new ScenarioMetric(clause[i].Key, MetricFormula.Parse(clause[i].Value!)));
                        continue;
                    }

                    var verb = key switch
                    {
                        "succeed" => ScenarioOutcome.Succeed,
                        "fail" => ScenarioOutcome.Fail,
                        "hang" => ScenarioOutcome.Hang,
                        "crashloop" => ScenarioOutcome.CrashLoop,
                        "crash" => ScenarioOutcome.Crash,
                        "pending" => ScenarioOutcome.Pending,
                        "badimage" => ScenarioOutcome.BadImage,
                        _ => throw new ScenarioFormatException($"scenario '{text}': unknown word '{key}' (expected succeed, fail, hang, crashloop, crash, pending, badimage, metric or key=value)"),
                    };
                    if (outcome is not null)
                    {
                        throw new ScenarioFormatException($"scenario '{text}': more than one outcome ('{outcome.Value.ToString().ToLowerInvariant()}' and '{key}')");
                    }

                    outcome = verb;
                    continue;
                }

                switch (key)
                {
                    case "after":
                        after = ParseDuration(text, value);
                        break;
                    case "reason":
                        reason = value;
                        break;
                    case "exit":
                        exitCode = ParseInt(text, key, value);
                        break;
                    case "message":
                        message = value;
                        break;
                    case "restarts":
                        restarts = ParseInt(text, key, value);
                        break;
                    case "log":
                        logs.Add(value);
                        break;
                    default:
                        throw new ScenarioFormatException($"scenario '{text}': unknown option '{key}' (expected after, reason, exit, message, restarts, log)");
                }
            }
        }

        var resolvedOutcome = outcome ?? ScenarioOutcome.Succeed;
        var resolvedReason = reason ?? (resolvedOutcome == ScenarioOutcome.Pending ? "Unschedulable" : "Error");
        return new Scenario(text)
        {
            Outcome = resolvedOutcome,
            After = after,
            Reason = resolvedReason,
            ExitCode = exitCode ?? (resolvedReason == "OOMKilled" ? 137 : 1),
            Message = message,
            Restarts = restarts,
            Logs = logs,
            Metrics = metrics,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static TimeSpan ParseDuration(string text, string value)
    {
        var (number, unit) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
            _ when value.EndsWith('s') => (value[..^1], 1.0),
            _ when value.EndsWith('m') => (value[..^1], 60.0),
            _ when value.EndsWith('h') => (value[..^1], 3600.0),
            _ => (value, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0)
        {
            throw new ScenarioFormatException($"scenario '{text}': '{value}' is not a duration (examples: 500ms, 2s, 1.5m)");
        }

        return TimeSpan.FromSeconds(amount * unit);
    }

    private static int ParseInt(string text, string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new ScenarioFormatException($"scenario '{text}': {key}='{value}' is not a whole number");

    /// <summary>Splits the text into ';'-separated clauses of words and key=value pairs; values may be quoted with
    /// '"' (inside, '\"' and '\\' escape).</summary>
    private static List<List<(string Key, string? Value)>> Tokenize(string text)
    {
        var clauses = new List<List<(string, string?)>> { new() };
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == ';')
            {
                clauses.Add([]);
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (';' or '=' or '"'))
            {
                i++;
            }

            var key = text[start..i];
            if (key.Length == 0)
            {
                throw new ScenarioFormatException($"scenario '{text}', position {i + 1}: expected a word before '{text[i]}'");
            }

            if (i >= text.Length || text[i] != '=')
            {
                clauses[^1].Add((key, null));
                continue;
            }

            i++; // '='
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var builder = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new ScenarioFormatException($"scenario '{text}': the quoted value of '{key}' is not closed");
                    }

                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        builder.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }

                    if (text[i] == '"')
                    {
                        i++;
                        break;
                    }

                    builder.Append(text[i++]);
                }

                value = builder.ToString();
            }
            else
            {
                start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != ';')
                {
                    i++;
                }

                value = text[start..i];
            }

            clauses[^1].Add((key, value));
        }

        return clauses;
    }
}
