using Kaptain.Build.Credentials;
using Kaptain.Build.Storage;
using Xunit;

namespace Kaptain.Build.Core.Tests.Storage;

/// <summary>
/// s3rver does not verify signatures, so the signer is pinned to the example of the S3 documentation ("Signature
/// Calculations for the Authorization Header", GET Object).
/// </summary>
public sealed class S3RequestSignerTests
{
    [Fact]
    public void Signs_the_documented_GET_object_example()
    {
        var credentials = new S3Credentials("AKIAIOSFODNN7EXAMPLE", new SecretValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), null, "the S3 documentation");
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://examplebucket.s3.amazonaws.com/test.txt");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-9");

        new S3RequestSigner(credentials, "us-east-1").Sign(request, S3RequestSigner.EmptyPayloadHash, new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero), "range");

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            request.Headers.GetValues("Authorization").Single());
        Assert.Equal("20130524T000000Z", request.Headers.GetValues("x-amz-date").Single());
    }

    [Theory]
    [InlineData("runs/abc 1/ctx.tar.gz", "runs%2Fabc%201%2Fctx.tar.gz")]
    [InlineData("a~b-c_d.e", "a~b-c_d.e")]
    [InlineData("ü+=", "%C3%BC%2B%3D")]
    public void Escapes_like_SigV4(string value, string expected) => Assert.Equal(expected, S3RequestSigner.Escape(value));
}
