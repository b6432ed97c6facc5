using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of the local cluster that a test can use to cut every open connection, the way a
/// flaky network or a restarting load balancer cuts a watch or a followed log mid-stream.
/// </summary>
internal sealed class TcpDropProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Uri upstream;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<TcpClient, TcpClient> connections = new();
    private readonly Task acceptLoop;
    private int drops;
    private int disposed;

    public TcpDropProxy(Uri upstream)
    {
        this.upstream = upstream;
        listener.Start();
        acceptLoop = Task.Run(AcceptAsync);
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

    /// <summary>How many connections were cut.</summary>
    public int Drops => Volatile.Read(ref drops);

    /// <summary>Cuts every open connection (new ones still work).</summary>
    public void DropAll()
    {
        foreach (var (client, server) in connections)
        {
            if (connections.TryRemove(client, out _))
            {
                Interlocked.Increment(ref drops);
                client.Client.LingerState = new LingerOption(true, 0); // RST, not FIN: a reset connection
                client.Dispose();
                server.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync();
        listener.Stop();
        DropAll();
        try
        {
            await acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(upstream.Host, upstream.Port, stopping.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            connections[client] = server;
            _ = PumpAsync(client, server);
        }
    }

    private async Task PumpAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await Task.WhenAny(
                client.GetStream().CopyToAsync(server.GetStream(), stopping.Token),
                server.GetStream().CopyToAsync(client.GetStream(), stopping.Token));
        }
        catch (Exception)
        {
            // One side went away.
        }
        finally
        {
            if (connections.TryRemove(client, out _))
            {
                client.Dispose();
                server.Dispose();
            }
        }
    }
}
