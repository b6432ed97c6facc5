using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Auth;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// The create-only subresources: <c>pods/binding</c> (what a scheduler, or a simulated kubelet, posts to put a pod on a
/// node) and <c>serviceaccounts/token</c> (the TokenRequest API).
/// </summary>
internal sealed class SubresourceEndpoint(ClusterContext cluster, TokenAuthenticator authenticator)
{
    private ObjectStore Store => cluster.Store;

    public Task HandleAsync(HttpContext context, ApiPath path)
    {
        if (context.Request.Method != "POST") throw StatusErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
        return path.Subresource switch
        {
            "binding" => BindAsync(context, path),
            "token" => IssueTokenAsync(context, path),
            _ => throw StatusErrors.NotFoundPath(),
        };
    }

    // kubernetes/kubernetes pkg/registry/core/pod/storage/storage.go (BindingREST.Create, assignPod).
    private async Task BindAsync(HttpContext context, ApiPath path)
    {
        var binding = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
        var node = binding["target"]?["name"]?.GetValue<string>();
        var bindingType = BuiltInResources.Pod with { Kind = "Binding", Plural = "bindings" };
        if (string.IsNullOrEmpty(node))
            throw StatusErrors.Invalid(bindingType, path.Name!, "target.name", "FieldValueRequired", "Required value");
        var dryRun = context.Request.Query["dryRun"].Any(v => v == "All");
        var pod = Store.Get(BuiltInResources.Pod, path.Namespace, path.Name!);
        var assigned = pod["spec"]?["nodeName"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(assigned))
            throw StatusErrors.Conflict(BuiltInResources.Pod, path.Name!, $"pod {path.Name} is already assigned to node \"{assigned}\"");
        if (ObjectStore.Metadata(pod)["deletionTimestamp"] is not null)
            throw StatusErrors.Conflict(BuiltInResources.Pod, path.Name!, $"pod {path.Name} is being deleted, cannot be assigned to a host");
        if (!dryRun)
        {
            Store.Mutate(BuiltInResources.Pod, path.Namespace, path.Name!, p =>
            {
                ((JsonObject)(p["spec"] ??= new JsonObject()))["nodeName"] = node;
                return true;
            });
            var now = cluster.Time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            Store.Mutate(BuiltInResources.Pod, path.Namespace, path.Name!, p =>
            {
                var status = (JsonObject)(p["status"] ??= new JsonObject());
                var conditions = status["conditions"] as JsonArray ?? (JsonArray)(status["conditions"] = new JsonArray());
                foreach (var existing in conditions.OfType<JsonObject>().Where(c => c["type"]?.GetValue<string>() == "PodScheduled").ToList())
                    conditions.Remove(existing);
                conditions.Add(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = now });
                return true;
            }, status: true);
        }
        await ApiResponses.WriteJsonAsync(context, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["code"] = 201,
        }, 201).ConfigureAwait(false);
    }

    // kubernetes/kubernetes pkg/registry/core/serviceaccount/storage/token.go (TokenREST.Create).
    private async Task IssueTokenAsync(HttpContext context, ApiPath path)
    {
        var request = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
        var account = Store.Get(BuiltInResources.ServiceAccount, path.Namespace, path.Name!);
        var spec = request["spec"] as JsonObject ?? new JsonObject();
        var seconds = spec["expirationSeconds"] is JsonValue value ? value.GetValue<long>() : 3600;
        var tokenRequestType = BuiltInResources.ServiceAccount with { Group = "authentication.k8s.io", Kind = "TokenRequest", Plural = "tokenrequests" };
        if (seconds < 600)
            throw StatusErrors.Invalid(tokenRequestType, "", "spec.expirationSeconds", "FieldValueInvalid", $"Invalid value: {seconds}: may not specify a duration less than 10 minutes");
        var expires = cluster.Time.GetUtcNow().AddSeconds(seconds);
        var token = authenticator.Issue(path.Namespace!, path.Name!, ObjectStore.Uid(account), expires);
        var audiences = spec["audiences"] is JsonArray { Count: > 0 } given ? given.DeepClone() : new JsonArray("https://kubernetes.default.svc.cluster.local");
        await ApiResponses.WriteJsonAsync(context, new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = path.Name, ["namespace"] = path.Namespace, ["creationTimestamp"] = null },
            ["spec"] = new JsonObject { ["audiences"] = audiences, ["expirationSeconds"] = seconds, ["boundObjectRef"] = spec["boundObjectRef"]?.DeepClone() },
            ["status"] = new JsonObject
            {
                ["token"] = token,
                ["expirationTimestamp"] = expires.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            },
        }, 201).ConfigureAwait(false);
    }
}
