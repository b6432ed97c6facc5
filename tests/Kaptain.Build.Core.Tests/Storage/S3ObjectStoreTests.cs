using System.Security.Cryptography;
using Kaptain.Build.Context;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Storage;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Core.Tests.Storage;

/// <summary>
/// The object store against a real s3rver (checked through the fixture's own client, Minio, not through the store). s3rver never checks SigV4 signatures and has no permissions, so a
/// wrong secret key and a denied bucket (KAPT3003) cannot be produced here; an unknown access key can (KAPT3002).
/// </summary>
public sealed class S3ObjectStoreTests(S3Server server) : IClassFixture<S3Server>
{
    /// <summary>
    /// Virtual-hosted addressing end to end: the endpoint is AWS's host name, every request goes to
    /// <c>bucket.s3.amazonaws.com</c>, and the connection is made to s3rver on 127.0.0.1 whatever the name (nothing
    /// leaves the machine). s3rver takes the bucket from such a Host header (its vhost middleware), so a request
    /// that put the bucket in the wrong place would create or find the wrong thing.
    /// </summary>
    [Fact]
    public async Task Virtual_hosted_requests_put_check_read_and_delete_the_object_in_the_named_bucket()
    {
        var token = TestContext.Current.CancellationToken;
        var sent = new List<Uri>();
        var options = new ObjectStoreOptions
        {
            Endpoint = S3Endpoint.Parse($"http://s3.amazonaws.com:{server.Endpoint.Port}"),
            Credentials = Credentials(server.AccessKey),
            PathStyle = false,
        };
        using var store = new S3ObjectStore(options, new RecordingHandler(sent, server.Endpoint.Port));

        await store.EnsureBucketAsync("virtual-hosted", token);
        Assert.True(await server.BucketExistsAsync("virtual-hosted", token));
        await store.PutAsync("virtual-hosted", "runs/v1/ctx.tar.gz", new MemoryStream("hosted by name"u8.ToArray()), token);
        Assert.Equal(14, await server.StatObjectAsync("virtual-hosted", "runs/v1/ctx.tar.gz", token));
        Assert.True(await store.ExistsAsync("virtual-hosted", "runs/v1/ctx.tar.gz", token));
        using var readBack = new MemoryStream();
        await store.GetAsync("virtual-hosted", "runs/v1/ctx.tar.gz", readBack, token);
        Assert.Equal("hosted by name", System.Text.Encoding.UTF8.GetString(readBack.ToArray()));
        await store.DeleteAsync("virtual-hosted", "runs/v1/ctx.tar.gz", token);
        Assert.False(await server.ObjectExistsAsync("virtual-hosted", "runs/v1/ctx.tar.gz", token));

        Assert.NotEmpty(sent);
        Assert.All(sent, uri => Assert.Equal("virtual-hosted.s3.amazonaws.com", uri.Host));
        Assert.Contains(sent, uri => uri.AbsolutePath == "/runs/v1/ctx.tar.gz");
        Assert.DoesNotContain(sent, uri => uri.AbsolutePath.Contains("virtual-hosted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bucket_outside_us_east_1_is_created_with_its_region_named()
    {
        var token = TestContext.Current.CancellationToken;
        var sent = new List<Uri>();
        var options = new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(server.Endpoint.ToString()), Credentials = Credentials(server.AccessKey), Region = "eu-west-1" };
        using var store = new S3ObjectStore(options, new RecordingHandler(sent, server.Endpoint.Port));

        await store.EnsureBucketAsync("in-eu-west-1", token);
        await store.EnsureBucketAsync("in-eu-west-1", token);

        Assert.True(await server.BucketExistsAsync("in-eu-west-1", token));
        Assert.Equal(3, sent.Count); // HEAD (404), PUT with the LocationConstraint, HEAD (200)
    }

    [Fact]
    public async Task Path_style_requests_name_the_bucket_in_the_path()
    {
        var token = TestContext.Current.CancellationToken;
        var sent = new List<Uri>();
        var options = new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(server.Endpoint.ToString()), Credentials = Credentials(server.AccessKey), PathStyle = true };
        using var store = new S3ObjectStore(options, new RecordingHandler(sent, server.Endpoint.Port));

        await store.EnsureBucketAsync("by-path", token);
        await store.PutAsync("by-path", "ctx.tar.gz", new MemoryStream(new byte[10]), token);
        Assert.Equal(10, await server.StatObjectAsync("by-path", "ctx.tar.gz", token));

        Assert.NotEmpty(sent);
        Assert.All(sent, uri => Assert.Equal("127.0.0.1", uri.Host));
        Assert.Contains(sent, uri => uri.AbsolutePath == "/by-path/ctx.tar.gz");
    }

    private const string Secret = "do-not-print-this-secret";

    [Fact]
    public async Task EnsureBucket_creates_a_missing_bucket_and_accepts_an_existing_one()
    {
        var token = TestContext.Current.CancellationToken;
        using var store = Store();

        await store.EnsureBucketAsync("created-by-ensure", token);
        Assert.True(await server.BucketExistsAsync("created-by-ensure", token));

        await store.EnsureBucketAsync("created-by-ensure", token);
        Assert.True(await server.BucketExistsAsync("created-by-ensure", token));
    }

    [Fact]
    public async Task A_streamed_archive_larger_than_one_part_is_uploaded_and_reads_back_the_same()
    {
        var token = TestContext.Current.CancellationToken;
        using var store = Store();
        await store.EnsureBucketAsync("contexts", token);

        // 40 MiB of random bytes: stored blocks, so the gzip stream is > 2 upload parts of 16 MiB.
        var weights = new byte[40 * 1024 * 1024];
        new Random(3).NextBytes(weights);
        var entries = new[]
        {
            ContextArchiveEntry.FromContent("Dockerfile", "FROM scratch\n"u8.ToArray()),
            ContextArchiveEntry.FromContent("weights.bin", weights),
        };

        var written = new HashingStream();
        await store.PutAsync(
            "contexts",
            "runs/abc/context.tar.gz",
            async (stream, ct) =>
            {
                await using var tee = new TeeStream(stream, written);
                await ContextArchive.WriteAsync(entries, tee, cancellationToken: ct);
            },
            token);

        Assert.True(await store.ExistsAsync("contexts", "runs/abc/context.tar.gz", token));
        Assert.Equal(written.Length, await server.StatObjectAsync("contexts", "runs/abc/context.tar.gz", token));
        Assert.True(written.Length > 32 * 1024 * 1024);

        using var readBack = new MemoryStream();
        await store.GetAsync("contexts", "runs/abc/context.tar.gz", readBack, token);
        Assert.Equal(written.Hash(), Convert.ToHexString(SHA256.HashData(readBack.ToArray())));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_a_missing_object_is_not_an_error()
    {
        var token = TestContext.Current.CancellationToken;
        using var store = Store();
        await store.EnsureBucketAsync("deletes", token);
        await store.PutAsync("deletes", "one", new MemoryStream("content"u8.ToArray()), token);
        Assert.True(await server.ObjectExistsAsync("deletes", "one", token));

        await store.DeleteAsync("deletes", "one", token);
        Assert.False(await server.ObjectExistsAsync("deletes", "one", token));
        Assert.False(await store.ExistsAsync("deletes", "one", token));

        await store.DeleteAsync("deletes", "one", token);
        await store.DeleteAsync("never-created-bucket", "one", token);
    }

    [Fact]
    public async Task Get_of_a_missing_object_is_KAPT3005()
    {
        var token = TestContext.Current.CancellationToken;
        using var store = Store();
        await store.EnsureBucketAsync("gets", token);
        var error = await Assert.ThrowsAsync<KaptainException>(() => store.GetAsync("gets", "absent", Stream.Null, token));
        Assert.Equal("KAPT3005", error.Diagnostics.Single().Code);
    }

    [Fact]
    public async Task A_failing_writer_fails_the_upload_with_its_own_exception_and_leaves_no_object()
    {
        var token = TestContext.Current.CancellationToken;
        using var store = Store();
        await store.EnsureBucketAsync("failures", token);

        var error = await Assert.ThrowsAsync<IOException>(() => store.PutAsync(
            "failures",
            "broken",
            async (stream, ct) =>
            {
                await stream.WriteAsync(new byte[1024], ct);
                throw new IOException("disk gone");
            },
            token));

        Assert.Equal("disk gone", error.Message);
        Assert.False(await server.ObjectExistsAsync("failures", "broken", token));
    }

    [Theory]
    [InlineData(1, false, 0)]
    [InlineData(2, true, 2)]
    public async Task A_stream_of_whole_parts_is_one_put_or_exactly_its_parts_with_no_empty_last_part(int parts, bool multipart, int partRequests)
    {
        // A stream whose length is a whole number of parts: one part is one PUT (no multipart upload), more are exactly
        // those parts (the end of the stream is read before the last full part goes, so no empty part follows).
        var token = TestContext.Current.CancellationToken;
        var sent = new List<Uri>();
        var options = new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(server.Endpoint.ToString()), Credentials = Credentials(server.AccessKey) };
        using var store = new S3ObjectStore(options, new RecordingHandler(sent, server.Endpoint.Port));
        await store.EnsureBucketAsync("whole-parts", token);
        var content = new byte[parts * S3StreamingUpload.PartSize];
        new Random(parts).NextBytes(content);

        // A stream that returns short reads, as a file or a network stream may.
        await store.PutAsync("whole-parts", $"p{parts}", new ShortReadStream(content, 3 * 1024 * 1024), token);

        lock (sent)
        {
            Assert.Equal(multipart, sent.Any(u => u.Query.Contains("uploads", StringComparison.Ordinal)));
            Assert.Equal(partRequests, sent.Count(u => u.Query.Contains("partNumber=", StringComparison.Ordinal)));
        }

        Assert.Equal(content, await server.GetObjectAsync("whole-parts", $"p{parts}", token));
    }

    [Fact]
    public async Task A_part_the_store_refuses_stops_the_writer_fails_with_the_stores_answer_and_aborts_the_upload()
    {
        var token = TestContext.Current.CancellationToken;
        var sent = new List<string>();
        var options = new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(server.Endpoint.ToString()), Credentials = Credentials(server.AccessKey) };
        using var store = new S3ObjectStore(options, new RefusingPartHandler(sent, refusedPart: 2));
        await store.EnsureBucketAsync("refused-part", token);

        long written = 0;
        var writerToken = CancellationToken.None;
        var error = await Assert.ThrowsAsync<KaptainException>(() => store.PutAsync(
            "refused-part",
            "ctx.tar.gz",
            async (stream, ct) =>
            {
                writerToken = ct;
                // Far more than the parts in flight: the writer must be stopped, not left to write it all.
                var chunk = new byte[1024 * 1024];
                for (var i = 0; i < 512; i++)
                {
                    await stream.WriteAsync(chunk, ct);
                    written += chunk.Length;
                }
            },
            token));

        var diagnostic = error.Diagnostics.Single();
        Assert.Equal("KAPT3004", diagnostic.Code);
        Assert.Contains("SlowDown", diagnostic.Message, StringComparison.Ordinal);
        Assert.InRange(written, 8 * 1024 * 1024, 64 * 1024 * 1024);
        Assert.True(writerToken.IsCancellationRequested, "The writer's token was not cancelled when the part failed (a compressor would go on).");
        lock (sent)
        {
            Assert.Contains(sent, request => request.StartsWith("DELETE ", StringComparison.Ordinal) && request.Contains("uploadId=", StringComparison.Ordinal));
        }

        Assert.False(await server.ObjectExistsAsync("refused-part", "ctx.tar.gz", token));
    }

    [Fact]
    public async Task A_cancelled_streamed_upload_leaves_no_object()
    {
        var token = TestContext.Current.CancellationToken;
        using var store = Store();
        await store.EnsureBucketAsync("cancelled", token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutAsync(
            "cancelled",
            "ctx.tar.gz",
            async (stream, ct) =>
            {
                // Three parts' worth, then Ctrl+C while the upload runs.
                await stream.WriteAsync(new byte[24 * 1024 * 1024], ct);
                await cancel.CancelAsync();
                await stream.WriteAsync(new byte[1024], ct);
            },
            cancel.Token));

        Assert.False(await server.ObjectExistsAsync("cancelled", "ctx.tar.gz", token));
    }

    [Fact]
    public async Task An_endpoint_where_nothing_listens_is_KAPT3001_naming_the_endpoint()
    {
        var token = TestContext.Current.CancellationToken;
        var endpoint = S3Endpoint.Parse($"http://127.0.0.1:{FreePort.Next()}");
        using var store = new S3ObjectStore(new ObjectStoreOptions { Endpoint = endpoint, Credentials = Credentials("any"), RequestTimeout = TimeSpan.FromSeconds(20) });

        var error = await Assert.ThrowsAsync<KaptainException>(() => store.EnsureBucketAsync("unreachable", token));
        Assert.Equal("KAPT3001", error.Diagnostics.Single().Code);
        Assert.Contains(endpoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_access_key_is_KAPT3002_without_the_secret()
    {
        var token = TestContext.Current.CancellationToken;
        await using var strict = await S3Server.StartAsync(["kaptain-allowed"], token);
        using var store = new S3ObjectStore(new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(strict.Endpoint.ToString()), Credentials = Credentials("kaptain-unknown") });

        var error = await Assert.ThrowsAsync<KaptainException>(() => store.EnsureBucketAsync("rejected", token));
        Assert.Equal("KAPT3002", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        Assert.False(await strict.BucketExistsAsync("rejected", token));

        await strict.CreateBucketAsync("existing", token);
        var putError = await Assert.ThrowsAsync<KaptainException>(() => store.PutAsync("existing", "ctx", new MemoryStream(new byte[100]), token));
        Assert.Equal("KAPT3002", putError.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, putError.ToString(), StringComparison.Ordinal);
        Assert.False(await strict.ObjectExistsAsync("existing", "ctx", token));

        using var allowed = new S3ObjectStore(new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(strict.Endpoint.ToString()), Credentials = Credentials("kaptain-allowed") });
        await allowed.EnsureBucketAsync("accepted", token);
        Assert.True(await strict.BucketExistsAsync("accepted", token));
    }

    [Theory]
    [InlineData("minio:9000")]
    [InlineData("ftp://minio:9000")]
    [InlineData("http://minio:9000/bucket")]
    [InlineData("")]
    public void Endpoints_that_are_not_http_urls_are_KAPT2014(string value)
    {
        var error = Assert.Throws<KaptainException>(() => S3Endpoint.Parse(value));
        Assert.Equal("KAPT2014", error.Diagnostics.Single().Code);
    }

    [Theory]
    [InlineData("http://minio-service.kubeflow:9000", "minio-service.kubeflow:9000", false)]
    [InlineData("https://s3.eu-west-1.amazonaws.com/", "s3.eu-west-1.amazonaws.com", true)]
    [InlineData("http://127.0.0.1:4568", "127.0.0.1:4568", false)]
    public void Endpoints_parse_to_host_port_and_scheme(string value, string hostAndPort, bool secure)
    {
        var endpoint = S3Endpoint.Parse(value);
        Assert.Equal(hostAndPort, endpoint.HostAndPort);
        Assert.Equal(secure, endpoint.IsSecure);
    }

    private S3ObjectStore Store() =>
        new(new ObjectStoreOptions { Endpoint = S3Endpoint.Parse(server.Endpoint.ToString()), Credentials = Credentials(server.AccessKey) });

    /// <summary>Records each request's URL and connects every host name to s3rver on 127.0.0.1.</summary>
    private sealed class RecordingHandler(List<Uri> sent, int port) : DelegatingHandler(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add(request.RequestUri!);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Passes every request to s3rver but answers one upload part itself, as S3 does when it throttles (503 SlowDown).</summary>
    private sealed class RefusingPartHandler(List<string> sent, int refusedPart) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add($"{request.Method} {request.RequestUri}");
            }

            if (request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains($"partNumber={refusedPart}&", StringComparison.Ordinal))
            {
                // Answered after a moment, so that the writer has gone on to the parts after it.
                await Task.Delay(200, cancellationToken);
                return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    Content = new StringContent("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
                };
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A read-only stream over <paramref name="content"/> that returns at most <paramref name="chunk"/> bytes a read.</summary>
    private sealed class ShortReadStream(byte[] content, int chunk) : MemoryStream(content, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    private static S3Credentials Credentials(string accessKey) =>
        new(accessKey, new SecretValue(Secret), null, "the test");

    /// <summary>Hashes and counts what is written through it.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public string Hash() => Convert.ToHexString(hash.GetCurrentHash());

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            length += count;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Writes to two streams.</summary>
    private sealed class TeeStream(Stream first, Stream second) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await first.WriteAsync(buffer, cancellationToken);
            await second.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override Task FlushAsync(CancellationToken cancellationToken) => first.FlushAsync(cancellationToken);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
