using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Writes the best hyperparameters of a tuning run where a later build picks them up: an MSBuild file with
/// <c>KaptainHyperparameter</c> items (imported after the project's own items, it replaces those of the same name) and
/// the same as JSON for pipelines.
/// </summary>
internal static class HyperparametersFile
{
    /// <summary>The MSBuild file's name under the intermediate directory.</summary>
    public const string PropsFileName = "best-hyperparameters.props";

    /// <summary>The JSON file's name under the intermediate directory.</summary>
    public const string JsonFileName = "best-hyperparameters.json";

    /// <summary>Writes both files; returns their paths.</summary>
    public static async Task<(string Props, string Json)> WriteAsync(
        string directory, string experiment, TrialSummary best, IReadOnlyList<KeyValuePair<string, string>> hyperparameters, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var props = Path.Combine(directory, PropsFileName);
        var json = Path.Combine(directory, JsonFileName);
        await File.WriteAllTextAsync(props, Props(experiment, best, hyperparameters), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(json, Json(experiment, best, hyperparameters), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        return (props, json);
    }

    /// <summary>The MSBuild text: for each hyperparameter a <c>Remove</c> of the project's own item of that name, then the new item.</summary>
    public static string Props(string experiment, TrialSummary best, IReadOnlyList<KeyValuePair<string, string>> hyperparameters)
    {
        var metrics = string.Join(", ", best.Metrics.Select(m => $"{m.Key}={m.Value}"));
        var group = new XElement("ItemGroup");
        foreach (var (name, value) in hyperparameters)
        {
            group.Add(new XElement(ModelItemTypes.Hyperparameter, new XAttribute("Remove", Escape(name))));
            group.Add(new XElement(
                ModelItemTypes.Hyperparameter, new XAttribute("Include", Escape(name)), new XAttribute("Value", Escape(value))));
        }

        var project = new XElement(
            "Project",
            new XComment($" Written by KaptainTune: the best hyperparameters of Katib experiment {experiment}, trial {best.Name} ({metrics}). "
                         + "Import this file after the project's KaptainHyperparameter items to train with them. "),
            group);
        var text = new StringBuilder();
        using (var writer = System.Xml.XmlWriter.Create(text, new System.Xml.XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, NewLineChars = "\n" }))
        {
            project.WriteTo(writer);
        }

        return text.Append('\n').ToString();
    }

    /// <summary>The JSON text: the experiment, the trial, its metrics and the hyperparameters.</summary>
    public static string Json(string experiment, TrialSummary best, IReadOnlyList<KeyValuePair<string, string>> hyperparameters)
    {
        var document = new Dictionary<string, object>
        {
            ["experiment"] = experiment,
            ["trial"] = best.Name,
            ["metrics"] = best.Metrics.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
            ["hyperparameters"] = hyperparameters.ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    // MSBuild reads %, $, @, ', ;, ? and * in item specs and metadata as syntax; %XX keeps them literal.
    internal static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '$' or '@' or '\'' or ';' or '?' or '*')
            {
                text.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
