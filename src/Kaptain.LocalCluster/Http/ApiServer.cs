using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Auth;
using Kaptain.LocalCluster.Discovery;
using Kaptain.LocalCluster.Faults;
using Kaptain.LocalCluster.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// The request pipeline: fault injection, authentication (bearer token; 401 for an unknown one), then discovery, health,
/// the admin endpoint (<c>/localcluster/faults</c>, outside the Kubernetes API and its authorization) and the resource
/// paths, each authorized by RBAC (403 with the real message). Every failure is answered with a <c>Status</c> body.
/// </summary>
internal sealed class ApiServer
{
    /// <summary>The item of <see cref="HttpContext.Items"/> that holds the request's <see cref="AuthenticatedUser"/>.</summary>
    public const string UserItem = "kaptain.user";

    private readonly ClusterContext cluster;
    private readonly ResourceEndpoint _resources;
    private readonly RbacAuthorizer _authorizer;
    private readonly ILogger _log;

    public ApiServer(ClusterContext cluster, TokenAuthenticator authenticator)
    {
        this.cluster = cluster;
        Authenticator = authenticator;
        _authorizer = new RbacAuthorizer(cluster.Store);
        _resources = new ResourceEndpoint(cluster, authenticator);
        _log = cluster.LoggerFactory.CreateLogger("Kaptain.LocalCluster.Api");
    }

    /// <summary>The bearer tokens this server accepts.</summary>
    public TokenAuthenticator Authenticator { get; }

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        try
        {
            if (path.StartsWith("/localcluster/", StringComparison.Ordinal))
            {
                await HandleAdminAsync(context, path).ConfigureAwait(false);
                return;
            }
            if (context.Request.Method is "POST" or "PUT" or "PATCH" or "DELETE") Interlocked.Increment(ref cluster._mutatingRequests);
            if (!await FaultsAllowAsync(context).ConfigureAwait(false)) return;
            // kube-apiserver authenticates first: a token it does not know is 401 whatever the path.
            var user = Authenticator.Authenticate(context.Request.Headers.Authorization.ToString())
                ?? throw new ApiException(401, "Unauthorized", "Unauthorized");
            context.Items[UserItem] = user;
            await RouteAsync(context, path.TrimEnd('/')).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            if (!context.Response.HasStarted) await ApiResponses.WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e)
        {
            _log.LogError(e, "{Method} {Path} failed", context.Request.Method, path);
            if (!context.Response.HasStarted) await ApiResponses.WriteErrorAsync(context, StatusErrors.InternalError(e.Message)).ConfigureAwait(false);
        }
    }

    private async Task<bool> FaultsAllowAsync(HttpContext context)
    {
        var options = cluster.Faults.Options;
        if (!options.Any) return true;
        if (cluster.Faults.NextLatency() is { Ticks: > 0 } latency) await Task.Delay(latency, context.RequestAborted).ConfigureAwait(false);
        var isWatch = context.Request.Query["watch"].Any(v => v is "true" or "1") || (context.Request.Path.Value ?? "").Contains("/watch/", StringComparison.Ordinal);
        if (options.ForbiddenLists.Count > 0 && HttpMethods.IsGet(context.Request.Method) && ForbiddenList(context.Request.Path.Value ?? "", options) is { } refused)
        {
            await ApiResponses.WriteErrorAsync(context, refused).ConfigureAwait(false);
            return false;
        }

        switch (cluster.Faults.Next(isWatch))
        {
            case InjectedFault.DropConnection:
                context.Abort();
                return false;
            case InjectedFault.InternalError:
                await ApiResponses.WriteErrorAsync(context, StatusErrors.InternalError("injected fault")).ConfigureAwait(false);
                return false;
            case InjectedFault.TooManyRequests:
                await ApiResponses.WriteErrorAsync(context, StatusErrors.TooManyRequests(options.RetryAfterSeconds)).ConfigureAwait(false);
                return false;
            case InjectedFault.DropWatch:
                context.Items[WatchEndpoint.DropWatchItem] = true;
                return true;
            default:
                return true;
        }
    }

    // A collection GET (list or watch) of a resource the options forbid: /api/v1/namespaces/{ns}/{plural} or
    // /apis/{group}/{version}/namespaces/{ns}/{plural}, without a name after it. The message is kube-apiserver's RBAC
    // refusal (k8s.io/apiserver/pkg/endpoints/filters/authorization.go, forbiddenMessage).
    private static ApiException? ForbiddenList(string path, FaultOptions options)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "watch").ToArray();
        var at = Array.IndexOf(segments, "namespaces");
        if (at < 0 || segments.Length != at + 3 || !options.ForbiddenLists.Contains(segments[at + 2]))
        {
            return null;
        }

        var plural = segments[at + 2];
        var group = segments[0] == "apis" ? segments[1] : "";
        return new ApiException(403, "Forbidden", $"{plural} is forbidden: User \"system:serviceaccount:kaptain:builder\" cannot list resource \"{plural}\" in API group \"{group}\" in the namespace \"{segments[at + 1]}\"");
    }

    private async Task RouteAsync(HttpContext context, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var catalog = cluster.Resources;
        if (segments is not (["api", "v1", _, ..] or ["apis", _, _, _, ..])) AuthorizeNonResource(context, path.Length == 0 ? "/" : path);
        switch (segments)
        {
            case ["version"]:
                await ApiResponses.WriteJsonAsync(context, DiscoveryDocuments.Version()).ConfigureAwait(false);
                return;
            case ["healthz" or "livez" or "readyz", ..]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted).ConfigureAwait(false);
                return;
            case ["api"]:
                await ApiResponses.WriteJsonAsync(context, DiscoveryDocuments.CoreVersions(context.Request.Host.Value ?? "127.0.0.1")).ConfigureAwait(false);
                return;
            case ["api", "v1"]:
                await ApiResponses.WriteJsonAsync(context, DiscoveryDocuments.Resources(catalog, "", "v1")!).ConfigureAwait(false);
                return;
            case ["apis"]:
                await ApiResponses.WriteJsonAsync(context, DiscoveryDocuments.Groups(catalog)).ConfigureAwait(false);
                return;
            case ["apis", var group]:
                await ApiResponses.WriteJsonAsync(context, DiscoveryDocuments.Group(catalog, group) ?? throw StatusErrors.NotFoundPath()).ConfigureAwait(false);
                return;
            case ["apis", var group, var version]:
                await ApiResponses.WriteJsonAsync(context, DiscoveryDocuments.Resources(catalog, group, version) ?? throw StatusErrors.NotFoundPath()).ConfigureAwait(false);
                return;
            case ["openapi", "v3"]:
                await ApiResponses.WriteJsonAsync(context, OpenApiDocuments.Index(catalog)).ConfigureAwait(false);
                return;
            case ["openapi", "v3", "api", var coreVersion]:
                await ApiResponses.WriteJsonAsync(context, OpenApiDocuments.GroupVersion(catalog, "", coreVersion) ?? throw StatusErrors.NotFoundPath()).ConfigureAwait(false);
                return;
            case ["openapi", "v3", "apis", var group, var version]:
                await ApiResponses.WriteJsonAsync(context, OpenApiDocuments.GroupVersion(catalog, group, version) ?? throw StatusErrors.NotFoundPath()).ConfigureAwait(false);
                return;
            case ["api", "v1", .. var rest]:
                await ResourceAsync(context, "", "v1", rest).ConfigureAwait(false);
                return;
            case ["apis", var group, var version, .. var rest]:
                await ResourceAsync(context, group, version, rest).ConfigureAwait(false);
                return;
            default:
                throw StatusErrors.NotFoundPath();
        }
    }

    private Task ResourceAsync(HttpContext context, string group, string version, string[] rest)
    {
        var apiPath = ApiPath.Parse(cluster.Resources, group, version, rest);
        if (apiPath is null)
        {
            AuthorizeNonResource(context, context.Request.Path.Value ?? "/");
            throw StatusErrors.NotFoundPath();
        }
        var user = (AuthenticatedUser)context.Items[UserItem]!;
        var request = apiPath.Attributes(context.Request);
        if (!_authorizer.Allows(user, request)) throw RbacAuthorizer.Forbidden(user, request);
        return _resources.HandleAsync(context, apiPath);
    }

    private void AuthorizeNonResource(HttpContext context, string path)
    {
        var user = (AuthenticatedUser)context.Items[UserItem]!;
        var request = new RequestAttributes { Verb = context.Request.Method.ToLowerInvariant(), Path = path };
        if (!_authorizer.Allows(user, request)) throw RbacAuthorizer.Forbidden(user, request);
    }

    private async Task HandleAdminAsync(HttpContext context, string path)
    {
        if (path.TrimEnd('/') != "/localcluster/faults") throw StatusErrors.NotFoundPath();
        if (context.Request.Method is "PUT" or "POST" or "PATCH")
        {
            var body = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
            cluster.Faults.Options = FaultInjector.FromJson(body, cluster.Faults.Options);
            if (body["seed"] is JsonValue seed) cluster.Faults.Reseed(seed.GetValue<int>());
        }
        else if (context.Request.Method == "DELETE")
        {
            cluster.Faults.Options = FaultOptions.None;
        }
        await ApiResponses.WriteJsonAsync(context, cluster.Faults.ToJson()).ConfigureAwait(false);
    }
}
