using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Core.Tests.Storage;

/// <summary>The s3rver fixture itself, through plain HTTP: the other S3 tests stand on it.</summary>
public sealed class S3ServerFixtureTests(S3Server server) : IClassFixture<S3Server>
{
    [Fact]
    public async Task Put_then_stat_and_get_through_plain_http()
    {
        var token = TestContext.Current.CancellationToken;
        var content = Encoding.UTF8.GetBytes("hello from the fixture test");
        await server.CreateBucketAsync("fixture-put", token);
        await server.PutObjectAsync("fixture-put", "nested/key.txt", content, token);

        Assert.True(await server.BucketExistsAsync("fixture-put", token));
        Assert.Equal(content.Length, await server.StatObjectAsync("fixture-put", "nested/key.txt", token));
        Assert.Equal(content, await server.GetObjectAsync("fixture-put", "nested/key.txt", token));
    }

    [Fact]
    public async Task Missing_objects_and_buckets_are_reported_missing()
    {
        var token = TestContext.Current.CancellationToken;
        await server.CreateBucketAsync("fixture-missing", token);

        Assert.False(await server.ObjectExistsAsync("fixture-missing", "absent", token));
        Assert.False(await server.BucketExistsAsync("fixture-never-created", token));
    }

    [Fact]
    public async Task Concurrent_puts_and_deletes_under_one_prefix_all_succeed_and_the_server_stays_up()
    {
        // s3rver's own delete removed the directories a key's prefix left empty, racing with the other requests under
        // that prefix: a put could crash the server (ENOENT), a delete answered InternalError (s3rver-start.js).
        var token = TestContext.Current.CancellationToken;
        await server.CreateBucketAsync("fixture-race", token);
        var content = Encoding.UTF8.GetBytes("x");
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = token }, async (i, ct) =>
        {
            var key = $"contexts/tests/t{i % 4}/object-{i}";
            await server.PutObjectAsync("fixture-race", key, content, ct);
            Assert.Equal(content, await server.GetObjectAsync("fixture-race", key, ct));
            await server.DeleteObjectAsync("fixture-race", key, ct);
        });

        Assert.False(await server.ObjectExistsAsync("fixture-race", "contexts/tests/t0/object-0", token));
        await server.PutObjectAsync("fixture-race", "after", content, token);
        Assert.True(await server.ObjectExistsAsync("fixture-race", "after", token));
    }

    [Fact]
    public async Task A_multipart_object_reads_back_whole_with_S3s_ETag_the_md5_of_the_part_md5s()
    {
        // S3's ETag of a multipart object is md5(md5(part 1) || md5(part 2) ...) + "-" + count, not an MD5 of the
        // content (s3rver-start.js); s3rver's own completion gave the content's MD5.
        var token = TestContext.Current.CancellationToken;
        await server.CreateBucketAsync("fixture-multipart", token);
        var first = Bytes(5 * 1024 * 1024, 1);
        var second = Bytes(1000, 2);
        var upload = await InitiateAsync("fixture-multipart", "whole", token);
        var etags = new[] { await PutPartAsync("fixture-multipart", "whole", upload, 1, first, token), await PutPartAsync("fixture-multipart", "whole", upload, 2, second, token) };
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(first))}\"", etags[0]);

        using var completed = await CompleteAsync("fixture-multipart", "whole", upload, [(1, etags[0]), (2, etags[1])], token);
        var expected = Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(first), .. MD5.HashData(second)])) + "-2";
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var answer = XDocument.Parse(await completed.Content.ReadAsStringAsync(token));
        Assert.Equal($"\"{expected}\"", answer.Descendants().Single(e => e.Name.LocalName == "ETag").Value);
        Assert.Equal(first.Concat(second).ToArray(), await server.GetObjectAsync("fixture-multipart", "whole", token));
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url("fixture-multipart", "whole")), token);
        Assert.Equal($"\"{expected}\"", head.Headers.ETag?.Tag);
    }

    [Theory]
    [InlineData("EntityTooSmall")]
    [InlineData("InvalidPart")]
    [InlineData("InvalidPartOrder")]
    public async Task A_completion_S3_refuses_is_refused_with_S3s_code_and_leaves_no_object(string code)
    {
        // A part under 5 MiB before the last, an ETag that is not the part's, parts out of order: S3 refuses each
        // (API_CompleteMultipartUpload); s3rver's own completion stored the object anyway.
        var token = TestContext.Current.CancellationToken;
        var bucket = "fixture-refused-" + code.ToLowerInvariant();
        await server.CreateBucketAsync(bucket, token);
        var first = Bytes(code == "EntityTooSmall" ? 1024 : 5 * 1024 * 1024, 3);
        var upload = await InitiateAsync(bucket, "refused", token);
        var one = await PutPartAsync(bucket, "refused", upload, 1, first, token);
        var two = await PutPartAsync(bucket, "refused", upload, 2, Bytes(10, 4), token);
        (int, string)[] parts = code switch
        {
            "InvalidPart" => [(1, one), (2, one)],
            "InvalidPartOrder" => [(2, two), (1, one)],
            _ => [(1, one), (2, two)],
        };

        using var refused = await CompleteAsync(bucket, "refused", upload, parts, token);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"<Code>{code}</Code>", await refused.Content.ReadAsStringAsync(token), StringComparison.Ordinal);
        Assert.False(await server.ObjectExistsAsync(bucket, "refused", token));

        // The upload is still there to be completed right, as on S3.
        using var completed = await CompleteAsync(bucket, "refused", upload, code == "EntityTooSmall" ? [(1, one)] : [(1, one), (2, two)], token);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.True(await server.ObjectExistsAsync(bucket, "refused", token));
    }

    [Fact]
    public async Task Server_listens_on_loopback_with_its_own_data_folder()
    {
        Assert.Equal("127.0.0.1", server.Endpoint.Host);
        Assert.True(Directory.Exists(server.DataDirectory));
        using var http = new HttpClient();
        using var response = await http.GetAsync(server.Endpoint, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Disposing_stops_the_process_and_deletes_the_data_folder()
    {
        var token = TestContext.Current.CancellationToken;
        var own = await S3Server.StartAsync(cancellationToken: token);
        var pid = own.Pid;
        var directory = own.DataDirectory;
        await own.DisposeAsync();

        Assert.False(Directory.Exists(directory));
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private Uri Url(string bucket, string key, string query = "") => new($"{server.Endpoint.ToString().TrimEnd('/')}/{bucket}/{key}{query}");

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<string> InitiateAsync(string bucket, string key, CancellationToken token)
    {
        using var response = await Http.PostAsync(Url(bucket, key, "?uploads"), content: null, token);
        response.EnsureSuccessStatusCode();
        return XDocument.Parse(await response.Content.ReadAsStringAsync(token)).Descendants().Single(e => e.Name.LocalName == "UploadId").Value;
    }

    private async Task<string> PutPartAsync(string bucket, string key, string upload, int number, byte[] content, CancellationToken token)
    {
        using var response = await Http.PutAsync(Url(bucket, key, $"?partNumber={number}&uploadId={upload}"), new ByteArrayContent(content), token);
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag!.Tag;
    }

    private Task<HttpResponseMessage> CompleteAsync(string bucket, string key, string upload, (int Number, string ETag)[] parts, CancellationToken token)
    {
        var xml = new XElement("CompleteMultipartUpload", parts.Select(p => new XElement("Part", new XElement("PartNumber", p.Number), new XElement("ETag", p.ETag))));
        return Http.PostAsync(Url(bucket, key, $"?uploadId={upload}"), new StringContent(xml.ToString(), Encoding.UTF8, "application/xml"), token);
    }
}
