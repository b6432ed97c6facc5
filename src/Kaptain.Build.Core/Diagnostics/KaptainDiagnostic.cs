using System.Globalization;
using System.Resources;

namespace Kaptain.Build.Diagnostics;

/// <summary>
/// One error or warning with a stable code. Codes come in bands: <c>KAPT1xxx</c> cluster and API,
/// <c>KAPT2xxx</c> model definition and input, <c>KAPT3xxx</c> registry and object store, <c>KAPT4xxx</c> cleanup,
/// <c>KAPT5xxx</c> warnings. The message text lives in <c>Diagnostics/Messages.resx</c> under the code; every code has
/// a section in <c>docs/errors.md</c>. Tests assert codes, never message text.
/// </summary>
/// <param name="Code">The stable code, for example <c>KAPT2001</c>.</param>
/// <param name="Severity">Error or warning.</param>
/// <param name="Message">The formatted message: names the property or resource involved and says what to do.</param>
/// <param name="Subject">The property, item or resource the diagnostic is about, when there is one.</param>
public sealed record KaptainDiagnostic(string Code, DiagnosticSeverity Severity, string Message, string? Subject = null)
{
    private static readonly ResourceManager Messages =
        new("Kaptain.Build.Diagnostics.Messages", typeof(KaptainDiagnostic).Assembly);

    /// <summary>The base address of the error reference; each code is an anchor in it.</summary>
    public const string HelpLinkBase = "https://github.com/kaptain-build/Kaptain.Build/blob/main/docs/errors.md";

    /// <summary>The link to this code's section of <c>docs/errors.md</c>.</summary>
    public string HelpLink => $"{HelpLinkBase}#{Code.ToLowerInvariant()}";

    /// <summary>Creates an error whose message is the catalogue entry for <paramref name="code"/> formatted with <paramref name="args"/>.</summary>
    public static KaptainDiagnostic Error(string code, string? subject, params object?[] args) =>
        new(code, DiagnosticSeverity.Error, Format(code, args), subject);

    /// <summary>Creates a warning whose message is the catalogue entry for <paramref name="code"/> formatted with <paramref name="args"/>.</summary>
    public static KaptainDiagnostic Warning(string code, string? subject, params object?[] args) =>
        new(code, DiagnosticSeverity.Warning, Format(code, args), subject);

    /// <summary>Formats the catalogue entry of <paramref name="code"/>; throws when the code has no entry, so a typo fails tests.</summary>
    public static string Format(string code, params object?[] args)
    {
        var format = Messages.GetString(code, CultureInfo.InvariantCulture)
            ?? throw new InvalidOperationException($"No message is catalogued for diagnostic code '{code}'.");
        return string.Format(CultureInfo.InvariantCulture, format, args);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}
