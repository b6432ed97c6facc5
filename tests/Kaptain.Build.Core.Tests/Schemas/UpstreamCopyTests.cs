using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>The CRD copies are the upstream files: each one's git blob id is the one its README lists.</summary>
public sealed partial class UpstreamCopyTests
{
    [Fact]
    public void Every_copy_has_the_upstream_blob_id()
    {
        var readme = File.ReadAllText(Path.Combine(UpstreamSchemas.Directory, "README.md"));
        var rows = Row().Matches(readme).Select(m => (File: m.Groups["file"].Value, Blob: m.Groups["blob"].Value)).ToList();

        Assert.Equal(8, rows.Count);
        Assert.All(rows, row =>
        {
            var bytes = File.ReadAllBytes(Path.Combine(UpstreamSchemas.Directory, row.File));
            var header = Encoding.ASCII.GetBytes($"blob {bytes.Length}\0");
            var id = Convert.ToHexStringLower(SHA1.HashData([.. header, .. bytes]));
            Assert.True(row.Blob == id, $"{row.File}: blob {id}, README says {row.Blob}");
        });
    }

    // A table row: the file name in back-quotes first, the blob id as the last 40-hex cell.
    [GeneratedRegex(@"^\| `(?<file>[^`]+)`.*\| `(?<blob>[0-9a-f]{40})` \| [^|]+\|\s*$", RegexOptions.Multiline)]
    private static partial Regex Row();
}
