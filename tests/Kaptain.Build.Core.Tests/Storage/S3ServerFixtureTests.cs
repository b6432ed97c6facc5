using System.Net;
using System.Text;
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
}
