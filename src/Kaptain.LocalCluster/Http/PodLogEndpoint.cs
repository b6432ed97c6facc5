using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Logs;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// <c>GET pods/{name}/log</c> with <c>container</c>, <c>follow</c>, <c>previous</c>, <c>tailLines</c>,
/// <c>timestamps</c> and <c>limitBytes</c>; plain text, streamed and flushed line by line when following. As the real
/// API server does, it proxies to the kubelet of the pod's Node (<c>status.addresses</c> InternalIP and
/// <c>daemonEndpoints.kubeletEndpoint.Port</c>, <c>/containerLogs/…</c> over HTTPS, the kubelet's certificate not
/// verified as without <c>--kubelet-certificate-authority</c>; kubernetes <c>pkg/registry/core/pod/rest/log.go</c>);
/// a pod on no such Node is read from the cluster's own log store.
/// </summary>
internal sealed class PodLogEndpoint(ClusterContext cluster)
{
    private static readonly HttpClient Kubelets = new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        if (context.Request.Method != "GET") throw StatusErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
        var query = context.Request.Query;
        var ns = path.Namespace!;
        var podName = path.Name!;
        var pod = cluster.Store.Get(path.Type, ns, podName);
        var container = ResolveContainer(pod, podName, query["container"]);
        if (KubeletOf(pod) is { } kubelet)
        {
            await ProxyAsync(context, new Uri(kubelet, $"containerLogs/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(podName)}/{Uri.EscapeDataString(container)}{context.Request.QueryString}")).ConfigureAwait(false);
            return;
        }
        var previous = ResourceEndpoint.IsTrue(query["previous"]);
        var follow = ResourceEndpoint.IsTrue(query["follow"]);
        var timestamps = ResourceEndpoint.IsTrue(query["timestamps"]);
        int? tail = int.TryParse(query["tailLines"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        long? limitBytes = long.TryParse(query["limitBytes"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : null;

        // A pod no one has put on a node has no kubelet to ask: the real server answers 204 with no body
        // (pkg/registry/core/pod/strategy.go LogLocation returns no location; handlers/rest StreamObject writes 204).
        if (string.IsNullOrEmpty(pod["spec"]?["nodeName"]?.GetValue<string>()))
        {
            context.Response.StatusCode = 204;
            return;
        }
        if (previous && !cluster.Logs.HasPrevious(ns, podName, container))
            throw StatusErrors.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found");
        if (!previous && !cluster.Logs.HasStarted(ns, podName, container))
            throw StatusErrors.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: ContainerCreating");

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        // StartAsync only queues the headers in Kestrel; flush them, so that a client waiting for the response is not
        // held until the first event, as kube-apiserver flushes its watch headers at once.
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        long written = 0;
        async Task<bool> WriteAsync(PodLogLine line)
        {
            var text = (timestamps ? line.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z' ", CultureInfo.InvariantCulture) : "") + line.Text + "\n";
            var bytes = Encoding.UTF8.GetBytes(text);
            if (limitBytes is long limit && written + bytes.Length > limit) bytes = bytes[..(int)(limit - written)];
            written += bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            return limitBytes is not long max || written < max;
        }

        if (previous || !follow)
        {
            var lines = cluster.Logs.Read(ns, podName, container, previous);
            foreach (var line in tail is int n ? lines.Skip(Math.Max(0, lines.Count - n)) : lines)
                if (!await WriteAsync(line).ConfigureAwait(false)) break;
            return;
        }
        try
        {
            await foreach (var line in cluster.Logs.FollowAsync(ns, podName, container, tail, context.RequestAborted).ConfigureAwait(false))
            {
                if (!await WriteAsync(line).ConfigureAwait(false)) break;
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client stopped following.
        }
    }

    private Uri? KubeletOf(JsonObject pod)
    {
        var nodeName = pod["spec"]?["nodeName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(nodeName) || cluster.Store.TryGet(BuiltInResources.Node, null, nodeName) is not { } node) return null;
        var address = (node["status"]?["addresses"] as JsonArray ?? []).FirstOrDefault(a => a?["type"]?.GetValue<string>() == "InternalIP")?["address"]?.GetValue<string>();
        var port = node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"] is JsonValue p && p.TryGetValue<int>(out var n) ? n : 0;
        return address is null || port <= 0 ? null : new Uri($"https://{address}:{port}/");
    }

    /// <summary>Streams the kubelet's answer; its errors become the API's, as <c>GenericHttpResponseChecker</c> makes them.</summary>
    private static async Task ProxyAsync(HttpContext context, Uri location)
    {
        HttpResponseMessage response;
        try
        {
            response = await Kubelets.GetAsync(location, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw StatusErrors.InternalError($"Get \"{location}\": {e.Message}");
        }

        using (response)
        {
            if ((int)response.StatusCode is < 200 or > 206)
            {
                var text = await response.Content.ReadAsStringAsync(context.RequestAborted).ConfigureAwait(false);
                throw (int)response.StatusCode switch
                {
                    400 => StatusErrors.BadRequest(text),
                    500 => StatusErrors.InternalError(text),
                    var code => new ApiException(code, response.ReasonPhrase ?? "Unknown", text),
                };
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain";
            await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client stopped following.
            }
        }
    }

    private static string ResolveContainer(JsonObject pod, string podName, string? requested)
    {
        var names = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
        var initNames = (pod["spec"]?["initContainers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
        if (!string.IsNullOrEmpty(requested))
        {
            if (names.Contains(requested) || initNames.Contains(requested)) return requested;
            throw StatusErrors.BadRequest($"container {requested} is not valid for pod {podName}");
        }
        var defaultContainer = pod["metadata"]?["annotations"]?["kubectl.kubernetes.io/default-container"]?.GetValue<string>();
        if (defaultContainer is not null && names.Contains(defaultContainer)) return defaultContainer;
        if (names.Count == 1) return names[0];
        throw StatusErrors.BadRequest($"a container name must be specified for pod {podName}, choose one of: [{string.Join(" ", names)}]" +
            (initNames.Count > 0 ? $" or one of the init containers: [{string.Join(" ", initNames)}]" : ""));
    }
}
