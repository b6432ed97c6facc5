using Kaptain.Build.Model;
using Kaptain.Build.Validation;

namespace Kaptain.Build.Core.Tests.Model;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("ubuntu", null, "ubuntu", null)]
    [InlineData("library/ubuntu:22.04", null, "library/ubuntu", "22.04")]
    [InlineData("localhost/mnist", "localhost", "mnist", null)]
    [InlineData("127.0.0.1:5000/dev/mnist:sha-1", "127.0.0.1:5000", "dev/mnist", "sha-1")]
    [InlineData("gcr.io/kaniko-project/executor:v1.23.2", "gcr.io", "kaniko-project/executor", "v1.23.2")]
    [InlineData("Registry.Example.com/a__b/c-d.e:T_1", "Registry.Example.com", "a__b/c-d.e", "T_1")]
    [InlineData("[::1]:5000/mnist", "[::1]:5000", "mnist", null)]
    public void Valid_references_parse(string text, string? domain, string path, string? tag)
    {
        Assert.True(ImageReference.TryParse(text, out var reference));
        Assert.Equal((domain, path, tag), (reference.Domain, reference.Path, reference.Tag));
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("Ubuntu")]
    [InlineData("ubuntu:")]
    [InlineData("ubuntu:-x")]
    [InlineData("a//b")]
    [InlineData("a/b-")]
    [InlineData("a/.b")]
    [InlineData("host:port/x")]
    [InlineData("ubuntu@sha256:abc")]
    [InlineData("with space")]
    public void Invalid_references_do_not_parse(string text) => Assert.False(ImageReference.TryParse(text, out _));

    [Fact]
    public void Digest_is_kept()
    {
        var digest = "sha256:" + new string('0', 64);
        Assert.True(ImageReference.TryParse("ubuntu:22.04@" + digest, out var reference));
        Assert.Equal(digest, reference.Digest);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("500m", 0.5)]
    [InlineData("1.5", 1.5)]
    [InlineData("1Gi", 1073741824)]
    [InlineData("1G", 1000000000)]
    [InlineData("1e3", 1000)]
    [InlineData(".5", 0.5)]
    [InlineData("100n", 0.0000001)]
    public void Quantities_parse_to_their_value(string text, double value)
    {
        Assert.True(QuantitySyntax.TryParse(text, out var parsed));
        Assert.Equal((decimal)value, parsed);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1GB")]
    [InlineData("-1")]
    [InlineData("1 Gi")]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("Gi")]
    public void Malformed_quantities_do_not_parse(string text) => Assert.False(QuantitySyntax.IsValid(text));
}
