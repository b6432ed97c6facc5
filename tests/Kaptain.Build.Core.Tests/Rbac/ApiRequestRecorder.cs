using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kaptain.Build.Core.Tests.Rbac;

/// <summary>One request the client sent, as RBAC sees it: the API group, the resource (with its subresource) and the verb.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path and query.</param>
/// <param name="Group">The API group (<c>""</c> for the core group), or <see langword="null"/> for a non-resource URL.</param>
/// <param name="Resource">The resource, <c>pods/log</c> for a subresource.</param>
/// <param name="Verb">The RBAC verb: get, list, watch, create, update, patch, delete, deletecollection.</param>
internal sealed record ApiRequest(string Method, string Path, string? Group, string? Resource, string? Verb)
{
    /// <summary>
    /// Reads a request the way the API server's request-info resolver does (kubernetes/kubernetes,
    /// staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): a GET of a collection is list, or watch with
    /// <c>watch=true</c>; of a named object get; POST create; PUT update; PATCH patch; DELETE of a named object delete.
    /// </summary>
    public static ApiRequest Parse(string method, string target)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = question < 0 ? string.Empty : target[(question + 1)..];
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        int rest;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            group = string.Empty;
            rest = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            rest = 3;
        }
        else
        {
            return new ApiRequest(method, target, null, null, null);
        }

        var tail = parts[rest..];
        if (tail.Length >= 2 && tail[0] == "namespaces" && tail.Length > 2)
        {
            tail = tail[2..];
        }

        if (tail.Length == 0)
        {
            // Discovery (/api/v1, /apis/group/version): the system:discovery ClusterRole grants it to everyone.
            return new ApiRequest(method, target, null, null, null);
        }

        var resource = tail.Length >= 3 ? $"{tail[0]}/{tail[2]}" : tail[0];
        var named = tail.Length >= 2;
        var watch = query.Split('&').Any(p => p is "watch=true" or "watch=1");
        var verb = method switch
        {
            "GET" when named => "get",
            "GET" when watch => "watch",
            "GET" => "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when named => "delete",
            "DELETE" => "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return new ApiRequest(method, target, group, resource, verb);
    }

    /// <inheritdoc />
    public override string ToString() => Group is null ? $"{Method} {Path}" : $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource} ({Method} {Path})";
}

/// <summary>
/// A relay on 127.0.0.1 in front of the local cluster that writes down every request line the client sends (the
/// local cluster has no RBAC, so the requests are compared with the Roles instead). Plain HTTP/1.1 only, which is what
/// the local cluster speaks.
/// </summary>
internal sealed class ApiRequestRecorder : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Uri upstream;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentBag<TcpClient> open = [];
    private readonly ConcurrentQueue<ApiRequest> requests = new();
    private readonly Task acceptLoop;
    private int unparsed;

    public ApiRequestRecorder(Uri upstream)
    {
        this.upstream = upstream;
        listener.Start();
        acceptLoop = Task.Run(AcceptAsync);
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

    /// <summary>Requests whose framing the recorder could not follow (then later requests on that connection are missed).</summary>
    public int Unparsed => Volatile.Read(ref unparsed);

    /// <summary>Takes the requests recorded so far, oldest first, and starts a new record.</summary>
    public IReadOnlyList<ApiRequest> Take()
    {
        var taken = new List<ApiRequest>();
        while (requests.TryDequeue(out var request))
        {
            taken.Add(request);
        }

        return taken;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        foreach (var client in open)
        {
            client.Dispose();
        }

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

            open.Add(client);
            open.Add(server);
            _ = RelayAsync(client, server);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await Task.WhenAny(
                RecordAndCopyAsync(client.GetStream(), server.GetStream()),
                server.GetStream().CopyToAsync(client.GetStream(), stopping.Token));
        }
        catch (Exception)
        {
            // One side went away.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    // Forwards the client's bytes as they come and, alongside, follows the request framing (headers, then a
    // Content-Length body) to read each request line.
    private async Task RecordAndCopyAsync(NetworkStream from, NetworkStream to)
    {
        var pending = new List<byte>();
        var bodyLeft = 0L;
        var lost = false;
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, stopping.Token);
            if (read == 0)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stopping.Token);
            if (lost)
            {
                continue;
            }

            var offset = 0;
            while (offset < read)
            {
                if (bodyLeft > 0)
                {
                    var skip = (int)Math.Min(bodyLeft, read - offset);
                    bodyLeft -= skip;
                    offset += skip;
                    continue;
                }

                pending.Add(buffer[offset++]);
                if (pending.Count >= 4 && pending[^1] == '\n' && pending[^2] == '\r' && pending[^3] == '\n' && pending[^4] == '\r')
                {
                    var head = Encoding.ASCII.GetString([.. pending]);
                    pending.Clear();
                    var lines = head.Split("\r\n");
                    var requestLine = lines[0].Split(' ');
                    if (requestLine.Length >= 2)
                    {
                        requests.Enqueue(ApiRequest.Parse(requestLine[0], requestLine[1]));
                    }

                    foreach (var line in lines.Skip(1))
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            bodyLeft = long.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                        else if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase))
                        {
                            lost = true;
                            Interlocked.Increment(ref unparsed);
                        }
                    }

                    if (lost)
                    {
                        break;
                    }
                }
            }
        }
    }
}
