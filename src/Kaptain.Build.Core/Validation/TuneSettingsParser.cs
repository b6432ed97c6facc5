using System.Globalization;
using System.Text.RegularExpressions;
using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>
/// Reads <see cref="TuneSettings"/>: trial counts, objectives, the Katib algorithm and its settings, and the search
/// parameters, with the checks Katib would otherwise make only after the experiment is created.
/// </summary>
internal sealed partial class TuneSettingsParser(ModelParseContext context)
{
    internal TuneSettings Parse()
    {
        var trials = context.PositiveInteger(P.Trials);
        var parallel = context.PositiveInteger(P.ParallelTrials);
        var failed = context.NonNegativeInteger(P.FailedTrials);
        if (trials is not null && parallel > trials)
        {
            context.Error(ParallelTrialsExceedTrials, P.ParallelTrials, parallel, trials);
        }

        if (trials is not null && failed > trials)
        {
            context.Error(FailedTrialsExceedTrials, P.FailedTrials, failed, trials);
        }

        var objectives = new List<string>();
        foreach (var objective in (context.Value(P.Objectives) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!MetricNameRegex().IsMatch(objective) || objectives.Contains(objective, StringComparer.Ordinal))
            {
                context.Error(InvalidObjective, P.Objectives, objective);
            }
            else
            {
                objectives.Add(objective);
            }
        }

        var goal = context.Value(P.ObjectiveGoal);
        if (goal is not null && !double.TryParse(goal, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            context.Error(InvalidNumber, P.ObjectiveGoal, P.ObjectiveGoal, goal);
        }

        var objectiveTypeText = context.Value(P.ObjectiveType)!;
        var objectiveType = ObjectiveType.Maximize;
        switch (objectiveTypeText.ToLowerInvariant())
        {
            case "maximize":
                break;
            case "minimize":
                objectiveType = ObjectiveType.Minimize;
                break;
            default:
                context.Error(UnknownObjectiveType, P.ObjectiveType, objectiveTypeText);
                break;
        }

        var algorithm = context.Value(P.Algorithm)!;
        if (!KatibAlgorithms.IsKnown(algorithm))
        {
            context.Error(UnknownAlgorithm, P.Algorithm, algorithm, string.Join(", ", KatibAlgorithms.Names));
        }

        var settings = context.NameValueItems(ModelItemTypes.AlgorithmSetting, _ => true, valueRequired: true);
        var parameters = new List<SearchParameter>();
        foreach (var item in context.Items(ModelItemTypes.SearchParameter))
        {
            var parameter = ReadSearchParameter(item, algorithm);
            if (parameter is null)
            {
                continue;
            }

            if (parameters.Any(p => p.Name == parameter.Name))
            {
                context.Error(DuplicateItem, ModelItemTypes.SearchParameter, ModelItemTypes.SearchParameter, parameter.Name);
                continue;
            }

            parameters.Add(parameter);
        }

        if (algorithm == "hyperband")
        {
            CheckHyperband(settings, parameters, parallel);
        }

        return new TuneSettings(trials ?? 1, parallel ?? 1, failed ?? 0, objectives, goal, objectiveType, algorithm, settings,
            parameters, context.Seconds(P.TuneTimeout), context.BooleanOrEnvironment(P.DeleteExperiment, "KAPTAIN_SDK_DELETE_EXPERIMENT"));
    }

    /// <summary>
    /// Katib's hyperband suggestion service rejects settings without <c>r_l</c> and <c>resource_name</c> (naming a
    /// search parameter), and fewer parallel trials than <c>eta^floor(log(r_l)/log(eta))</c>; the experiment would then
    /// fail after it was created, so the model is rejected first.
    /// </summary>
    private void CheckHyperband(List<KeyValuePair<string, string>> settings, List<SearchParameter> parameters, int? parallel)
    {
        var values = settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        if (!values.TryGetValue("r_l", out var rlText) || !values.TryGetValue("resource_name", out var resource))
        {
            context.Error(HyperbandSettings, ModelItemTypes.AlgorithmSetting, "the settings 'r_l' and 'resource_name' must be given");
            return;
        }

        if (!double.TryParse(rlText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rl) || rl <= 0)
        {
            context.Error(HyperbandSettings, ModelItemTypes.AlgorithmSetting, $"'r_l' must be a positive number, not '{rlText}'");
            return;
        }

        if (parameters.All(p => p.Name != resource))
        {
            context.Error(HyperbandSettings, ModelItemTypes.AlgorithmSetting, $"'resource_name' must name a KaptainSearchParameter, not '{resource}'");
        }

        var eta = values.TryGetValue("eta", out var etaText) && double.TryParse(etaText, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) && (int)e > 0
            ? (int)e
            : 3;
        var maxParallel = (int)Math.Ceiling(Math.Pow(eta, (int)(Math.Log(rl) / Math.Log(eta))));
        if (parallel < maxParallel)
        {
            context.Error(HyperbandSettings, P.ParallelTrials, $"KaptainParallelTrials must be at least {maxParallel} for r_l {rlText} and eta {eta}");
        }
    }

    private SearchParameter? ReadSearchParameter(ModelItem item, string algorithm)
    {
        const string subject = ModelItemTypes.SearchParameter;
        var name = item.ItemSpec.Trim();
        if (!context.ParameterName(subject, name))
        {
            return null;
        }

        var typeText = item.GetMetadata("Type");
        SearchParameterType type;
        switch (typeText?.ToLowerInvariant())
        {
            case "double": type = SearchParameterType.Double; break;
            case "int": type = SearchParameterType.Int; break;
            case "discrete": type = SearchParameterType.Discrete; break;
            case "categorical": type = SearchParameterType.Categorical; break;
            default:
                context.Error(UnknownSearchParameterType, subject, name, typeText ?? string.Empty);
                return null;
        }

        var min = item.GetMetadata("Min");
        var max = item.GetMetadata("Max");
        var step = item.GetMetadata("Step");
        var values = (item.GetMetadata("Values") ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var errors = context.Diagnostics.Count;
        if (type is SearchParameterType.Double or SearchParameterType.Int)
        {
            if (min is null || max is null || values.Count > 0)
            {
                context.Error(SearchParameterBounds, subject, name, typeText);
                return null;
            }

            var low = Number(name, "Min", min, type);
            var high = Number(name, "Max", max, type);
            var by = step is null ? null : Number(name, "Step", step, type);
            if (low is not null && high is not null)
            {
                if (low >= high)
                {
                    context.Error(SearchParameterMinNotLessThanMax, subject, name, min, max);
                }
                else if (by is not null && (by <= 0 || by > high - low))
                {
                    context.Error(SearchParameterInvalidStep, subject, name, step);
                }
            }

            if (type == SearchParameterType.Double && step is null && algorithm == "grid")
            {
                context.Error(GridNeedsStep, subject, name);
            }
        }
        else
        {
            if (min is not null || max is not null || step is not null)
            {
                context.Error(SearchParameterBounds, subject, name, typeText);
                return null;
            }

            if (values.Count == 0)
            {
                context.Error(SearchParameterValuesEmpty, subject, name, typeText);
                return null;
            }

            if (type == SearchParameterType.Discrete)
            {
                foreach (var value in values)
                {
                    Number(name, "Values", value, SearchParameterType.Double);
                }
            }

            if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
            {
                context.Error(DuplicateItem, subject, $"{subject} '{name}' Values", values.GroupBy(v => v).First(g => g.Count() > 1).Key);
            }
        }

        return context.Diagnostics.Count > errors ? null : new SearchParameter(name, type, min, max, step, values);
    }

    private double? Number(string name, string metadata, string text, SearchParameterType type)
    {
        var ok = type == SearchParameterType.Int
            ? long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        if (!ok || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            context.Error(SearchParameterInvalidNumber, ModelItemTypes.SearchParameter, name, metadata, text,
                type == SearchParameterType.Int ? "an integer" : "a number");
            return null;
        }

        return number;
    }

    // Katib's StdOut collector reads `name=value` lines with the default filter `([\w|-]+)\s*=\s*(number)`.
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex MetricNameRegex();
}
