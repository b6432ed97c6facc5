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
/// <c>timestamps</c> and <c>limitBytes</c>; plain text, streamed and flushed line by line when following.
/// </summary>
internal sealed class PodLogEndpoint(ClusterContext cluster)
{
    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        if (context.Request.Method != "GET") throw StatusErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
        var query = context.Request.Query;
        var ns = path.Namespace!;
        var podName = path.Name!;
        var pod = cluster.Store.Get(path.Type, ns, podName);
        var container = ResolveContainer(pod, podName, query["container"]);
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
