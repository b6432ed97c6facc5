using Kaptain.Build.Diagnostics;
using Kaptain.Build.Validation;
using Kaptain.Testing;

namespace Kaptain.Build.Core.Tests.Validation;

/// <summary>Every model validation code has its message and its section in docs/errors.md, within its sub-range.</summary>
public sealed class DiagnosticCatalogueTests
{
    public static TheoryData<string> Codes =>
        [.. typeof(DiagnosticCodes).GetFields().Select(f => (string)f.GetValue(null)!)];

    [Theory]
    [MemberData(nameof(Codes))]
    public void Code_is_catalogued_and_documented(string code)
    {
        Assert.InRange(int.Parse(code["KAPT".Length..], System.Globalization.CultureInfo.InvariantCulture), 2001, 2199);
        var message = KaptainDiagnostic.Format(code, "a0", "a1", "a2", "a3", "a4");
        Assert.DoesNotContain("{", message, StringComparison.Ordinal);
        Assert.Contains($"\n### {code}\n", File.ReadAllText(RepositoryPaths.Combine("docs", "errors.md")).Replace("\r\n", "\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Codes_are_unique() => Assert.Equal(Codes.Count, Codes.Select(c => c.Data).Distinct().Count());
}
