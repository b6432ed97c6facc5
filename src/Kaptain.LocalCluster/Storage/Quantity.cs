using System.Globalization;
using System.Text.RegularExpressions;

namespace Kaptain.LocalCluster.Storage;

/// <summary>Resource quantities (<c>500m</c>, <c>2Gi</c>, <c>1e3</c>) as k8s.io/apimachinery <c>pkg/api/resource</c> parses them.</summary>
internal static partial class Quantity
{
    /// <summary>The message of a malformed quantity (resource.ErrFormatWrong).</summary>
    public const string FormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    private static readonly Dictionary<string, decimal> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1m, ["n"] = 1e-9m, ["u"] = 1e-6m, ["m"] = 1e-3m, ["k"] = 1e3m, ["M"] = 1e6m, ["G"] = 1e9m, ["T"] = 1e12m, ["P"] = 1e15m, ["E"] = 1e18m,
        ["Ki"] = 1024m, ["Mi"] = 1024m * 1024, ["Gi"] = 1024m * 1024 * 1024, ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024, ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
    };

    /// <summary>The value of <paramref name="text"/>, or null when it is not a quantity.</summary>
    public static decimal? Parse(string text)
    {
        var match = Shape().Match(text);
        if (!match.Success) return null;
        if (!decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return null;
        var suffix = match.Groups[2].Value;
        if (Suffixes.TryGetValue(suffix, out var factor)) return number * factor;
        if (suffix.Length > 1 && suffix[0] is 'e' or 'E' && int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent) && Math.Abs(exponent) <= 18)
            return number * (decimal)Math.Pow(10, exponent);
        return null;
    }

    [GeneratedRegex("^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")]
    private static partial Regex Shape();
}
