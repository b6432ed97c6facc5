using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kaptain.Testing;

/// <summary>
/// A registry that only the cluster reaches: a TCP proxy on a free 127.0.0.1 port in front of a
/// <see cref="ContainerRegistry"/> that forwards the connections whose first request comes from Kaniko (its transport
/// sends <c>User-Agent: kaniko/VERSION</c>) and resets every other one before it is answered, the way a registry behind
/// the cluster's network looks from a build host.
/// </summary>
public sealed class ClusterOnlyRegistryProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Uri upstream;
    private readonly Task accepting;
    private int refused;

    /// <summary>Starts a proxy in front of <paramref name="registry"/>.</summary>
    public ClusterOnlyRegistryProxy(ContainerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        upstream = registry.Endpoint;
        listener.Start();
        accepting = AcceptAsync(stopping.Token);
    }

    /// <summary>The host and port, as used in image references: <c>127.0.0.1:41234</c>.</summary>
    public string Host => $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <summary>How many connections were reset because they did not come from Kaniko.</summary>
    public int RefusedConnections => Volatile.Read(ref refused);

    /// <summary>Stops accepting and closes every connection.</summary>
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
                var head = new MemoryStream();
                var buffer = new byte[4096];
                while (!EndsHeaders(head))
                {
                    var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    head.Write(buffer, 0, n);
                }

                var headers = Encoding.ASCII.GetString(head.ToArray());
                if (!headers.Contains("\r\nUser-Agent: kaniko/", StringComparison.OrdinalIgnoreCase))
                {
                    Interlocked.Increment(ref refused);
                    client.LingerState = new LingerOption(true, 0);
                    return;
                }

                using var server = new TcpClient();
                await server.ConnectAsync(upstream.Host, upstream.Port, cancellationToken).ConfigureAwait(false);
                var upstreamStream = server.GetStream();
                await upstreamStream.WriteAsync(head.ToArray(), cancellationToken).ConfigureAwait(false);
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

    private static bool EndsHeaders(MemoryStream head)
    {
        var bytes = head.GetBuffer().AsSpan(0, (int)head.Length);
        return bytes.IndexOf("\r\n\r\n"u8) >= 0;
    }
}
