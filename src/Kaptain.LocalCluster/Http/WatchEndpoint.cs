using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Faults;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// Watch streams (<c>?watch=true</c> and <c>/watch/</c> paths): one JSON event per line, flushed as it happens, until
/// <c>timeoutSeconds</c> passes, the client goes away, or an injected fault drops the watch.
/// </summary>
internal sealed class WatchEndpoint(ClusterContext cluster)
{
    /// <summary>Set by the fault middleware on a request whose watch is to be dropped.</summary>
    public const string DropWatchItem = "kaptain.dropWatch";

    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        var query = context.Request.Query;
        var fieldSelector = (string?)query["fieldSelector"];
        if (path.Name is not null)
            fieldSelector = string.IsNullOrEmpty(fieldSelector) ? $"metadata.name={path.Name}" : $"{fieldSelector},metadata.name={path.Name}";
        var request = new WatchRequest
        {
            ResourceVersion = query["resourceVersion"],
            LabelSelector = query["labelSelector"],
            FieldSelector = fieldSelector,
            AllowBookmarks = ResourceEndpoint.IsTrue(query["allowWatchBookmarks"]),
        };
        // Selectors are checked before the stream starts, so a bad one is a plain 400.
        LabelSelector.Parse(request.LabelSelector);
        FieldSelector.Parse(request.FieldSelector, path.Type);

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) && timeout > 0)
            lifetime.CancelAfter(TimeSpan.FromSeconds(timeout));
        if (context.Items.ContainsKey(DropWatchItem))
            lifetime.CancelAfter(cluster.Faults.WatchLifetime());

        var table = TableConverter.WantsTable(context.Request);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        // StartAsync only queues the headers in Kestrel; flush them, so that a client waiting for the response is not
        // held until the first event, as kube-apiserver flushes its watch headers at once.
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await foreach (var e in cluster.Store.WatchAsync(path.Type, path.Namespace, request, lifetime.Token).ConfigureAwait(false))
            {
                var wire = e.ToWire();
                if (table && e.Type is not (WatchEventType.Error or WatchEventType.Bookmark))
                    wire["object"] = TableConverter.ToTable(path.Type, [e.Object], e.Object["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "", includeObject: true);
                var bytes = Encoding.UTF8.GetBytes(wire.ToJsonString() + "\n");
                await context.Response.Body.WriteAsync(bytes, lifetime.Token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(lifetime.Token).ConfigureAwait(false);
                if (e.Type == WatchEventType.Error) break;
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // Timeout, client gone or dropped by a fault: the stream simply ends, as on the real server.
        }
    }
}
