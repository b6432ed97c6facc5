using System.Globalization;
using System.Text.RegularExpressions;

namespace Kaptain.Build.Validation;

/// <summary>
/// The Kubernetes resource quantity grammar (apimachinery <c>resource.Quantity</c>):
/// <c>[+-]number[suffix]</c> where the suffix is a binary SI suffix (Ki..Ei), a decimal SI suffix (n, u, m, k, M..E)
/// or a decimal exponent (<c>e3</c>, <c>E-2</c>).
/// </summary>
public static partial class QuantitySyntax
{
    /// <summary>Parses <paramref name="text"/> into its value; false when it is not a quantity or is negative.</summary>
    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        var match = Quantity().Match(text);
        if (!match.Success)
        {
            return false;
        }

        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        var suffix = match.Groups["suffix"].Value;
        try
        {
            value = suffix switch
            {
                "" => number,
                "Ki" => number * 1024m,
                "Mi" => number * 1024m * 1024m,
                "Gi" => number * 1024m * 1024m * 1024m,
                "Ti" => number * 1024m * 1024m * 1024m * 1024m,
                "Pi" => number * 1024m * 1024m * 1024m * 1024m * 1024m,
                "Ei" => number * 1024m * 1024m * 1024m * 1024m * 1024m * 1024m,
                "n" => number / 1_000_000_000m,
                "u" => number / 1_000_000m,
                "m" => number / 1000m,
                "k" => number * 1e3m,
                "M" => number * 1e6m,
                "G" => number * 1e9m,
                "T" => number * 1e12m,
                "P" => number * 1e15m,
                "E" => number * 1e18m,
                _ => number * Pow10(int.Parse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            };
        }
        catch (Exception e) when (e is OverflowException or FormatException)
        {
            return false;
        }

        return true;
    }

    /// <summary>Whether <paramref name="text"/> is a non-negative Kubernetes quantity.</summary>
    public static bool IsValid(string text) => TryParse(text, out _);

    private static decimal Pow10(int exponent)
    {
        if (exponent is > 28 or < -28)
        {
            throw new OverflowException();
        }

        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result *= 10m;
        }

        return exponent < 0 ? 1m / result : result;
    }

    [GeneratedRegex(@"^(?<number>[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")]
    private static partial Regex Quantity();
}
