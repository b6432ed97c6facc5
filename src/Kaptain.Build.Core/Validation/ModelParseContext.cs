using System.Globalization;
using System.Text.RegularExpressions;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;

namespace Kaptain.Build.Validation;

/// <summary>
/// What every settings parser shares while one <see cref="ModelInput"/> is parsed: the input, its trimmed non-empty
/// property values, the diagnostics found so far (in the order they were found), and the primitive parsers that read
/// one property or item type and record an error when its value is bad.
/// </summary>
internal sealed partial class ModelParseContext
{
    private static readonly string[] StorageSchemes = ["s3", "gs", "pvc", "http", "https", "hdfs", "webhdfs"];

    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<KaptainDiagnostic> diagnostics = [];

    internal ModelParseContext(ModelInput input)
    {
        Input = input;
        foreach (var (name, value) in input.Properties)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                values[name] = value.Trim();
            }
        }
    }

    internal ModelInput Input { get; }

    /// <summary>The diagnostics found so far, in the order they were found.</summary>
    internal IReadOnlyList<KaptainDiagnostic> Diagnostics => diagnostics;

    /// <summary>The project directory as a full path; relative paths in properties and items are resolved against it.</summary>
    internal string ProjectDirectory => Path.GetFullPath(Input.ProjectDirectory);

    /// <summary>The trimmed value of <paramref name="property"/>, or its default when it is empty and <paramref name="applyDefault"/>.</summary>
    internal string? Value(string property, bool applyDefault = true) =>
        values.TryGetValue(property, out var value) ? value : applyDefault ? ModelProperties.Find(property)?.DefaultValue : null;

    /// <summary>The items of <paramref name="itemType"/> (case-insensitive), in input order.</summary>
    internal IEnumerable<ModelItem> Items(string itemType) =>
        Input.Items.Where(i => string.Equals(i.ItemType, itemType, StringComparison.OrdinalIgnoreCase));

    internal string FullPath(string path) => Path.GetFullPath(path, ProjectDirectory);

    internal void Error(string code, string? subject, params object?[] args) =>
        diagnostics.Add(KaptainDiagnostic.Error(code, subject, args));

    internal TimeSpan Seconds(string property) => TimeSpan.FromSeconds(PositiveInteger(property) ?? 1);

    internal int? PositiveInteger(string property)
    {
        var value = Integer(property);
        if (value is <= 0)
        {
            Error(NotPositive, property, property, value, "greater than 0");
            return null;
        }

        return value;
    }

    internal int? NonNegativeInteger(string property)
    {
        var value = Integer(property);
        if (value is < 0)
        {
            Error(NotPositive, property, property, value, "0 or more");
            return null;
        }

        return value;
    }

    internal int? Integer(string property)
    {
        var text = Value(property);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(InvalidInteger, property, property, text);
            return null;
        }

        return value;
    }

    internal bool Boolean(string property)
    {
        var text = Value(property);
        if (text is null)
        {
            return false;
        }

        if (!TryParseBoolean(text, out var value))
        {
            Error(InvalidBoolean, property, property, text);
        }

        return value;
    }

    /// <summary>The property when it is set, else the environment variable (a boolean, or "1"), else false.</summary>
    internal bool BooleanOrEnvironment(string property, string variable)
    {
        if (Value(property, applyDefault: false) is not null)
        {
            return Boolean(property);
        }

        var text = Input.Environment is null ? System.Environment.GetEnvironmentVariable(variable) : Input.Environment.GetValueOrDefault(variable);
        return !string.IsNullOrWhiteSpace(text) && (TryParseBoolean(text.Trim(), out var value) ? value : text.Trim() == "1");
    }

    /// <summary>Reads a boolean as MSBuild conditions do: true/false, yes/no, on/off (case-insensitive).</summary>
    internal static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                value = true;
                return true;
            case "false" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    internal (string Text, decimal Amount)? Quantity(string property)
    {
        var text = Value(property);
        if (text is null)
        {
            return null;
        }

        if (!QuantitySyntax.TryParse(text, out var amount))
        {
            Error(InvalidQuantity, property, property, text);
            return null;
        }

        return (text, amount);
    }

    internal ImageReference? Image(string property, string text)
    {
        if (!ImageReference.TryParse(text, out var image))
        {
            Error(InvalidImageReference, property, property, text);
            return null;
        }

        return image;
    }

    internal string? StorageUri(string property, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !StorageSchemes.Contains(uri.Scheme)
            || string.IsNullOrEmpty(uri.Host) || text.Contains(' ', StringComparison.Ordinal))
        {
            Error(InvalidStorageUri, property, property, text, string.Join(", ", StorageSchemes.Select(s => s + "://")));
            return null;
        }

        return text.TrimEnd('/');
    }

    /// <summary>
    /// Reads items of <paramref name="itemType"/> as name/value pairs (the <c>Value</c> metadata), skipping names
    /// <paramref name="validName"/> rejects (it reports them) and reporting missing values and duplicates.
    /// </summary>
    internal List<KeyValuePair<string, string>> NameValueItems(string itemType, Func<string, bool> validName, bool valueRequired)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var item in Items(itemType))
        {
            var name = item.ItemSpec.Trim();
            if (!validName(name))
            {
                continue;
            }

            var value = item.GetMetadata("Value");
            if (value is null && valueRequired)
            {
                Error(MissingItemMetadata, itemType, itemType, name, "Value");
                continue;
            }

            if (result.Any(p => p.Key == name))
            {
                Error(DuplicateItem, itemType, itemType, name);
                continue;
            }

            // Values keep their inner spaces; only MSBuild's surrounding whitespace is dropped.
            result.Add(new(name, value ?? string.Empty));
        }

        return result;
    }

    internal bool ParameterName(string itemType, string name)
    {
        if (!ParameterNameRegex().IsMatch(name))
        {
            Error(InvalidParameterName, itemType, itemType, name);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads one container's resources. The single-value style (<paramref name="cpu"/>, <paramref name="memory"/>) sets
    /// request = limit; the fine-grained style sets each separately; using both for one resource is an error.
    /// </summary>
    internal ComputeResources Resources(string? cpu, string? memory, string? gpus,
        string? cpuRequest, string? cpuLimit, string? memoryRequest, string? memoryLimit)
    {
        var requests = new Dictionary<string, string>(StringComparer.Ordinal);
        var limits = new Dictionary<string, string>(StringComparer.Ordinal);
        Style("cpu", cpu, cpuRequest, cpuLimit);
        Style("memory", memory, memoryRequest, memoryLimit);
        if (gpus is not null && NonNegativeInteger(gpus) is > 0 and var count)
        {
            // Extended resources are set as limits; Kubernetes defaults the request to the limit.
            limits["nvidia.com/gpu"] = count.ToString(CultureInfo.InvariantCulture);
        }

        return new ComputeResources(requests, limits);

        void Style(string resource, string? single, string? requestProperty, string? limitProperty)
        {
            var value = single is null ? null : Quantity(single);
            var request = requestProperty is null ? null : Quantity(requestProperty);
            var limit = limitProperty is null ? null : Quantity(limitProperty);
            if (single is not null && Value(single, applyDefault: false) is not null
                && ((requestProperty is not null && Value(requestProperty, applyDefault: false) is not null)
                    || (limitProperty is not null && Value(limitProperty, applyDefault: false) is not null)))
            {
                var fine = requestProperty is not null && Value(requestProperty, applyDefault: false) is not null ? requestProperty : limitProperty!;
                Error(BothResourceStyles, single, single, fine);
                return;
            }

            if (value is not null)
            {
                requests[resource] = value.Value.Text;
                limits[resource] = value.Value.Text;
                return;
            }

            if (request is not null)
            {
                requests[resource] = request.Value.Text;
            }

            if (limit is not null)
            {
                limits[resource] = limit.Value.Text;
            }

            if (request is not null && limit is not null && request.Value.Amount > limit.Value.Amount)
            {
                Error(RequestExceedsLimit, requestProperty, requestProperty, request.Value.Text, limitProperty, limit.Value.Text);
            }
        }
    }

    // Trial parameter names become `--name=value` options and `${trialParameters.name}` references, which Katib
    // rejects when they contain '{' or '}'.
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex ParameterNameRegex();
}
