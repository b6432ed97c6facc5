using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kaptain.Testing;

/// <summary>
/// A registry that stalls pushes: a TCP proxy on a free 127.0.0.1 port in front of a <see cref="ContainerRegistry"/>
/// that forwards connections whose first request reads (<c>GET</c>, <c>HEAD</c>) and holds, without an answer, those
/// whose first request writes (a push starts with <c>POST .../blobs/uploads/</c>). So a check for an existing image
/// works and an image build hangs in its push, the way a build hangs behind a stuck registry, until the proxy is
/// disposed.
/// </summary>
public sealed class StallingRegistryProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Uri upstream;
    private readonly Task accepting;
    private int stalled;

    /// <summary>Starts a proxy in front of <paramref name="registry"/>.</summary>
    public StallingRegistryProxy(ContainerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        upstream = registry.Endpoint;
        listener.Start();
        accepting = AcceptAsync(stopping.Token);
    }

    /// <summary>The host and port, as used in image references: <c>127.0.0.1:41234</c>.</summary>
    public string Host => $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <summary>How many connections were held because they started with a write.</summary>
    public int StalledConnections => Volatile.Read(ref stalled);

    /// <summary>Stops accepting and closes every connection, held ones included.</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        await accepting.ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                connections.Add(ServeAsync(client, cancellationToken));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var first = new byte[8];
                var read = 0;
                while (read < first.Length)
                {
                    var n = await stream.ReadAsync(first.AsMemory(read), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    read += n;
                }

                var method = Encoding.ASCII.GetString(first).Split(' ')[0];
                if (method is not ("GET" or "HEAD"))
                {
                    Interlocked.Increment(ref stalled);
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                    return;
                }

                using var server = new TcpClient();
                await server.ConnectAsync(upstream.Host, upstream.Port, cancellationToken).ConfigureAwait(false);
                var upstreamStream = server.GetStream();
                await upstreamStream.WriteAsync(first, cancellationToken).ConfigureAwait(false);
                await Task.WhenAny(
                    stream.CopyToAsync(upstreamStream, cancellationToken),
                    upstreamStream.CopyToAsync(stream, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client, the registry or the proxy went away.
            }
        }
    }
}
