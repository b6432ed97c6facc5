using System.Net;
using System.Net.Sockets;

namespace Kaptain.Testing;

/// <summary>Finds free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    /// <summary>
    /// Returns a port that was free a moment ago. Another process may take it before the caller binds it, so servers
    /// started on it are retried on a bind failure (see <see cref="ContainerRegistry"/>).
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
