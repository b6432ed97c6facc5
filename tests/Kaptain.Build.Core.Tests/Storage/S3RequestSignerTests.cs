using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kaptain.Build.Credentials;
using Kaptain.Build.Storage;
using Xunit;

namespace Kaptain.Build.Core.Tests.Storage;

/// <summary>
/// s3rver does not verify Signature V4, so the signer is pinned to what AWS publishes: the Signature V4 test suite
/// (<c>SigV4TestSuite.json</c>, its source named there) for the algorithm, and the S3 API reference's signed examples
/// ("Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk") for what S3 adds.
/// </summary>
public sealed class S3RequestSignerTests
{
    public static TheoryData<string> SuiteCases() => [.. Suite().RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    [Fact]
    public void The_suite_is_there_with_the_cases_the_task_names()
    {
        var names = Suite().RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        Assert.True(names.Count >= 20, $"only {names.Count} cases");
        Assert.Contains("get-vanilla", names);
        Assert.Contains("get-vanilla-query", names);
        Assert.Contains("post-x-www-form-urlencoded", names);
    }

    [Theory]
    [MemberData(nameof(SuiteCases))]
    public void Signs_each_case_of_the_AWS_Signature_V4_test_suite_as_AWS_does(string name)
    {
        using var suite = Suite();
        var root = suite.RootElement;
        var test = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var path = string.Join('/', test.GetProperty("path").GetString()!.Split('/').Select(S3RequestSigner.Escape));
        var query = string.Join('&', test.GetProperty("query").EnumerateArray()
            .Select(pair => S3RequestSigner.Escape(pair[0].GetString()!) + "=" + S3RequestSigner.Escape(pair[1].GetString()!)));
        var uri = new Uri("https://example.amazonaws.com" + path + (query.Length > 0 ? "?" + query : string.Empty));
        var headers = test.GetProperty("headers").EnumerateArray()
            .Select(pair => new KeyValuePair<string, string>(pair[0].GetString()!, pair[1].GetString()!))
            .ToList();
        var payloadHash = S3RequestSigner.Hex(SHA256.HashData(Encoding.UTF8.GetBytes(test.GetProperty("body").GetString()!)));

        var authorization = S3RequestSigner.Authorization(
            test.GetProperty("method").GetString()!,
            uri,
            headers,
            payloadHash,
            DateTimeOffset.Parse(root.GetProperty("signingTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            root.GetProperty("region").GetString()!,
            root.GetProperty("service").GetString()!,
            root.GetProperty("accessKeyId").GetString()!,
            root.GetProperty("secretAccessKey").GetString()!);

        Assert.Equal(test.GetProperty("authorization").GetString(), authorization);
    }

    [Fact]
    public void Signs_the_documented_S3_GET_object_example()
    {
        // S3 API reference, "Example: GET Object": the first ten bytes of test.txt, virtual-hosted.
        var credentials = new S3Credentials("AKIAIOSFODNN7EXAMPLE", new SecretValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), null, "the S3 documentation");
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://examplebucket.s3.amazonaws.com/test.txt");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-9");

        new S3RequestSigner(credentials, "us-east-1").Sign(request, S3RequestSigner.EmptyPayloadHash, new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero), "range");

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            request.Headers.GetValues("Authorization").Single());
        Assert.Equal("20130524T000000Z", request.Headers.GetValues("x-amz-date").Single());
        Assert.Equal(S3RequestSigner.EmptyPayloadHash, request.Headers.GetValues("x-amz-content-sha256").Single());
    }

    [Fact]
    public void Signs_the_documented_S3_PUT_object_example()
    {
        // S3 API reference, "Example: PUT Object": "Welcome to Amazon S3." as test$file.text, with a Date and a storage class.
        var credentials = new S3Credentials("AKIAIOSFODNN7EXAMPLE", new SecretValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), null, "the S3 documentation");
        var key = string.Join('/', "test$file.text".Split('/').Select(S3RequestSigner.Escape));
        using var request = new HttpRequestMessage(HttpMethod.Put, "https://examplebucket.s3.amazonaws.com/" + key);
        request.Headers.TryAddWithoutValidation("Date", "Fri, 24 May 2013 00:00:00 GMT");
        request.Headers.TryAddWithoutValidation("x-amz-storage-class", "REDUCED_REDUNDANCY");
        var payloadHash = S3RequestSigner.Hex(SHA256.HashData("Welcome to Amazon S3."u8));

        new S3RequestSigner(credentials, "us-east-1").Sign(request, payloadHash, new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero), "date", "x-amz-storage-class");

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
            request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void A_session_token_is_sent_and_signed()
    {
        var withToken = new S3Credentials("AKIAIOSFODNN7EXAMPLE", new SecretValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), new SecretValue("session-token-of-sts"), "a test");
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://examplebucket.s3.amazonaws.com/test.txt");

        new S3RequestSigner(withToken, "us-east-1").Sign(request, S3RequestSigner.EmptyPayloadHash, new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal("session-token-of-sts", request.Headers.GetValues("x-amz-security-token").Single());
        Assert.Contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,", request.Headers.GetValues("Authorization").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("runs/abc 1/ctx.tar.gz", "runs%2Fabc%201%2Fctx.tar.gz")]
    [InlineData("a~b-c_d.e", "a~b-c_d.e")]
    [InlineData("ü+=", "%C3%BC%2B%3D")]
    public void Escapes_like_SigV4(string value, string expected) => Assert.Equal(expected, S3RequestSigner.Escape(value));

    private static JsonDocument Suite() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Storage", "SigV4TestSuite.json")));
}
