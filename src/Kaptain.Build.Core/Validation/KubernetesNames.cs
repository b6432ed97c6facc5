using System.Text.RegularExpressions;

namespace Kaptain.Build.Validation;

/// <summary>The Kubernetes naming rules (apimachinery <c>validation.go</c>) the model's names must satisfy.</summary>
public static partial class KubernetesNames
{
    /// <summary>The longest DNS label (RFC 1123 / RFC 1035).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Whether <paramref name="value"/> is an RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63 characters.</summary>
    public static bool IsDns1123Label(string value) => value.Length <= MaxLabelLength && Dns1123Label().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is an RFC 1035 label: an RFC 1123 label that starts with a letter.</summary>
    public static bool IsDns1035Label(string value) => value.Length <= MaxLabelLength && Dns1035Label().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is an RFC 1123 subdomain: dot-separated RFC 1123 labels, at most 253 characters.</summary>
    public static bool IsDns1123Subdomain(string value) => value.Length <= 253 && Dns1123Subdomain().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a valid label value (empty, or at most 63 alphanumerics, '-', '_', '.', alphanumeric at both ends).</summary>
    public static bool IsLabelValue(string value) => value.Length <= MaxLabelLength && LabelValue().IsMatch(value);

    /// <summary>Whether <paramref name="key"/> is a valid label or annotation key: an optional subdomain prefix and '/', then a name.</summary>
    public static bool IsQualifiedName(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0 && (slash == 0 || !IsDns1123Subdomain(key[..slash])))
        {
            return false;
        }

        return name.Length is > 0 and <= MaxLabelLength && QualifiedNamePart().IsMatch(name);
    }

    /// <summary>Whether <paramref name="name"/> is a valid environment variable name (Kubernetes <c>IsEnvVarName</c>).</summary>
    public static bool IsEnvironmentVariableName(string name) => name.Length > 0 && EnvVarName().IsMatch(name);

    /// <summary>Makes a label value of <paramref name="value"/> (a model id like <c>dev/mnist</c> becomes <c>dev-mnist</c>).</summary>
    public static string ToLabelValue(string value)
    {
        var chars = value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        var text = new string(chars);
        if (text.Length > MaxLabelLength)
        {
            text = text[..MaxLabelLength];
        }

        return text.Trim('-', '_', '.');
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvVarName();
}
