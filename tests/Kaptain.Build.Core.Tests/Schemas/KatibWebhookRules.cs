using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>
/// The rules of Katib's Experiment admission webhook (katib <c>pkg/webhook/v1beta1/experiment/validator/validator.go</c>)
/// that apply to the Experiments Kaptain.Build creates, written from Katib's source so that the tests hold our
/// manifests to the server's rules rather than to our own.
/// </summary>
internal static partial class KatibWebhookRules
{
    // Katib's default katib-config suggestion algorithms that search a parameter space.
    private static readonly string[] Algorithms =
        ["random", "grid", "bayesianoptimization", "tpe", "multivariate-tpe", "cmaes", "sobol", "hyperband"];

    private static readonly string[] ParameterTypes = ["int", "double", "categorical", "discrete"];

    public static IReadOnlyList<string> Check(JsonObject experiment)
    {
        var errors = new List<string>();
        var name = (string?)experiment["metadata"]?["name"] ?? string.Empty;
        if (!NamingConvention().IsMatch(name))
        {
            errors.Add($"metadata.name '{name}' does not match Katib's naming convention");
        }

        var spec = experiment["spec"]!.AsObject();
        var max = (int?)spec["maxTrialCount"];
        var parallel = (int?)spec["parallelTrialCount"];
        var failed = (int?)spec["maxFailedTrialCount"];
        if (failed < 0) errors.Add("spec.maxFailedTrialCount should not be less than 0");
        if (max <= 0) errors.Add("spec.maxTrialCount must be greater than 0");
        if (parallel <= 0) errors.Add("spec.parallelTrialCount must be greater than 0");
        if (failed > max) errors.Add("spec.maxFailedTrialCount should be less than or equal to spec.maxTrialCount");
        if (parallel > max) errors.Add("spec.parallelTrialCount should be less than or equal to spec.maxTrialCount");

        if (spec["objective"] is not JsonObject objective)
        {
            errors.Add("spec.objective must be specified");
            return errors;
        }

        if ((string?)objective["type"] is not ("minimize" or "maximize")) errors.Add("spec.objective.type must be minimize or maximize");
        var metric = (string?)objective["objectiveMetricName"];
        if (string.IsNullOrEmpty(metric)) errors.Add("spec.objective.objectiveMetricName must be specified");
        if (objective["additionalMetricNames"] is JsonArray additional && additional.Any(m => (string?)m == metric))
        {
            errors.Add("spec.objective.additionalMetricNames should not contain spec.objective.objectiveMetricName");
        }

        var algorithm = (string?)spec["algorithm"]?["algorithmName"];
        if (string.IsNullOrEmpty(algorithm) || !Algorithms.Contains(algorithm))
        {
            errors.Add($"spec.algorithm.algorithmName '{algorithm}' has no suggestion config");
        }

        var parameters = spec["parameters"] as JsonArray ?? [];
        if (parameters.Count == 0) errors.Add("spec.parameters or spec.nasConfig must be specified");
        foreach (var parameter in parameters.Select(p => p!.AsObject()))
        {
            var type = (string?)parameter["parameterType"];
            var space = parameter["feasibleSpace"] as JsonObject;
            if (!ParameterTypes.Contains(type)) errors.Add($"parameterType '{type}' is not supported");
            if (space is null || space.Count == 0)
            {
                errors.Add("feasibleSpace must be specified");
                continue;
            }

            if (type is "int" or "double")
            {
                if (space["list"] is JsonArray { Count: > 0 }) errors.Add($"feasibleSpace.list is not supported for {type}");
                if (string.IsNullOrEmpty((string?)space["max"]) || string.IsNullOrEmpty((string?)space["min"]))
                {
                    errors.Add($"feasibleSpace.max or feasibleSpace.min must be specified for {type}");
                }
            }
            else if (space["max"] is not null || space["min"] is not null || space["step"] is not null)
            {
                errors.Add($"feasibleSpace .max, .min and .step is not supported for {type}");
            }
        }

        CheckTrialTemplate(spec, parameters, errors);
        var collector = (string?)spec["metricsCollectorSpec"]?["collector"]?["kind"];
        if (collector is not ("StdOut" or "Push" or null)) errors.Add($"metrics collector kind '{collector}' needs a source");
        return errors;
    }

    private static void CheckTrialTemplate(JsonObject spec, JsonArray parameters, List<string> errors)
    {
        if (spec["trialTemplate"] is not JsonObject template)
        {
            errors.Add("spec.trialTemplate must be specified");
            return;
        }

        if (string.IsNullOrEmpty((string?)template["primaryContainerName"])) errors.Add("primaryContainerName must be specified");
        if (string.IsNullOrEmpty((string?)template["successCondition"]) || string.IsNullOrEmpty((string?)template["failureCondition"]))
        {
            errors.Add("successCondition and failureCondition must be specified");
        }

        if (template["trialParameters"] is not JsonArray trialParameters)
        {
            errors.Add("trialParameters must be specified");
            return;
        }

        if (template["trialSpec"] is not JsonObject trialSpec)
        {
            errors.Add("spec.trialTemplate.trialSpec must be specified");
            return;
        }

        var text = trialSpec.ToJsonString();
        var parameterNames = parameters.Select(p => (string?)p!["name"]).ToHashSet();
        var names = new HashSet<string>();
        var references = new HashSet<string>();
        foreach (var parameter in trialParameters.Select(p => p!.AsObject()))
        {
            var name = (string?)parameter["name"] ?? string.Empty;
            var reference = (string?)parameter["reference"] ?? string.Empty;
            if (name.Length == 0 || reference.Length == 0 || name.Contains('{') || name.Contains('}'))
            {
                errors.Add("trialParameters: name and reference must be specified and name must not contain '{' or '}'");
                continue;
            }

            if (!names.Add(name)) errors.Add($"trial parameter name {name} is duplicated");
            if (!references.Add(reference)) errors.Add($"trial parameter reference {reference} is duplicated");
            // A trial metadata reference (${trialSpec.Name}, ...) is not a search parameter and is accepted (kubeflow/katib
            // pkg/webhook/v1beta1/experiment/validator/validator.go; its test "Trial template contains Trial metadata
            // reference as parameter").
            var isMetadata = System.Text.RegularExpressions.Regex.IsMatch(reference, @"^\$\{trialSpec\.(Name|Namespace|Kind|APIVersion|Labels\[[^\]]+\]|Annotations\[[^\]]+\])\}$");
            if (!isMetadata && !parameterNames.Contains(reference)) errors.Add($"trial parameter reference {reference} does not exist in spec.parameters");
            var placeholder = "${trialParameters." + name + "}";
            if (!text.Contains(placeholder, StringComparison.Ordinal))
            {
                errors.Add($"trial parameter {name} is not found in spec.trialTemplate");
            }

            text = text.Replace(placeholder, "test-value", StringComparison.Ordinal);
        }

        if (Placeholder().IsMatch(text)) errors.Add("spec.trialTemplate has parameters not declared in trialParameters");
        if (trialSpec["metadata"]?["name"] is not null || trialSpec["metadata"]?["namespace"] is not null)
        {
            errors.Add("metadata.name and metadata.namespace in spec.trialTemplate must be omitted");
        }

        if (string.IsNullOrEmpty((string?)trialSpec["apiVersion"]) || string.IsNullOrEmpty((string?)trialSpec["kind"]))
        {
            errors.Add("APIVersion and Kind in spec.trialTemplate must be specified");
        }
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?")]
    private static partial Regex NamingConvention();

    [GeneratedRegex(@"\$\{trialParameters\..+?\}")]
    private static partial Regex Placeholder();
}
