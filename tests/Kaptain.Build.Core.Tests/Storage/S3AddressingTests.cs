using Kaptain.Build.Storage;
using Xunit;

namespace Kaptain.Build.Core.Tests.Storage;

/// <summary>The request URLs of every S3 call: by path or by host name, and AWS's global endpoint made regional.</summary>
public sealed class S3AddressingTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9000", "us-east-1", true, "http://127.0.0.1:9000/contexts/runs/a%20b/ctx.tar.gz", "http://127.0.0.1:9000/contexts")]
    [InlineData("http://minio.kubeflow:9000", "us-east-1", true, "http://minio.kubeflow:9000/contexts/runs/a%20b/ctx.tar.gz", "http://minio.kubeflow:9000/contexts")]
    [InlineData("https://s3.amazonaws.com", "us-east-1", false, "https://contexts.s3.amazonaws.com/runs/a%20b/ctx.tar.gz", "https://contexts.s3.amazonaws.com/")]
    [InlineData("https://s3.amazonaws.com", "eu-west-1", false, "https://contexts.s3.eu-west-1.amazonaws.com/runs/a%20b/ctx.tar.gz", "https://contexts.s3.eu-west-1.amazonaws.com/")]
    [InlineData("https://s3.amazonaws.com", "eu-west-1", true, "https://s3.eu-west-1.amazonaws.com/contexts/runs/a%20b/ctx.tar.gz", "https://s3.eu-west-1.amazonaws.com/contexts")]
    [InlineData("https://s3.us-west-2.amazonaws.com", "us-west-2", false, "https://contexts.s3.us-west-2.amazonaws.com/runs/a%20b/ctx.tar.gz", "https://contexts.s3.us-west-2.amazonaws.com/")]
    [InlineData("https://storage.example.com:8443", "eu-central-1", false, "https://contexts.storage.example.com:8443/runs/a%20b/ctx.tar.gz", "https://contexts.storage.example.com:8443/")]
    public void Addresses_buckets_and_objects_as_asked(string endpoint, string region, bool pathStyle, string objectUrl, string bucketUrl)
    {
        var addressing = new S3Addressing(S3Endpoint.Parse(endpoint), region, pathStyle);

        Assert.Equal(objectUrl, addressing.Object("contexts", "runs/a b/ctx.tar.gz").AbsoluteUri);
        Assert.Equal(bucketUrl, addressing.Bucket("contexts").AbsoluteUri);
    }

    [Fact]
    public void A_bucket_with_a_dot_stays_in_the_path_over_https()
    {
        var addressing = new S3Addressing(S3Endpoint.Parse("https://s3.eu-west-1.amazonaws.com"), "eu-west-1", pathStyle: false);
        Assert.Equal("https://s3.eu-west-1.amazonaws.com/my.models/key", addressing.Object("my.models", "key").AbsoluteUri);

        var plain = new S3Addressing(S3Endpoint.Parse("http://storage.local:9000"), "us-east-1", pathStyle: false);
        Assert.Equal("http://my.models.storage.local:9000/key", plain.Object("my.models", "key").AbsoluteUri);
    }

    [Theory]
    [InlineData("https://s3.amazonaws.com", "us-east-1", "https://s3.amazonaws.com/")]
    [InlineData("https://s3.amazonaws.com", "ap-southeast-2", "https://s3.ap-southeast-2.amazonaws.com/")]
    [InlineData("https://s3.eu-west-1.amazonaws.com", "eu-west-1", "https://s3.eu-west-1.amazonaws.com/")]
    [InlineData("http://127.0.0.1:9000", "eu-west-1", "http://127.0.0.1:9000/")]
    public void Only_the_global_AWS_endpoint_is_made_regional(string endpoint, string region, string expected) =>
        Assert.Equal(expected, S3Addressing.RegionalEndpoint(new Uri(endpoint), region).AbsoluteUri);
}
