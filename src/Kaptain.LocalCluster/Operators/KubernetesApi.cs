using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using WatchEventType = Kaptain.LocalCluster.Storage.WatchEventType;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Controllers;
using Kaptain.LocalCluster.Storage;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Operators;

/// <summary>
/// <see cref="IClusterApi"/> over HTTP: the kubeconfig, TLS and credentials of KubernetesClient, JSON bodies as
/// <see cref="JsonObject"/>s (the operators work on any kind, including the custom resources), one
/// <see cref="Informer"/> per type. Transient failures (connection errors, 429, 5xx) are retried a few times.
/// </summary>
internal sealed class KubernetesApi : IClusterApi, IAsyncDisposable
{
    /// <summary>The User-Agent of the operators' requests (the local cluster leaves them out of fault injection and
    /// of its count of the client's writes).</summary>
    public const string UserAgent = "kaptain-simulated-operators";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly Kubernetes _kube;
    private readonly ConcurrentDictionary<string, Lazy<Informer>> _informers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private readonly ILogger _log;

    public KubernetesApi(KubernetesClientConfiguration configuration, ResourceCatalog resources, ILoggerFactory loggerFactory)
    {
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        _kube = new Kubernetes(configuration);
        Resources = resources;
        _log = loggerFactory.CreateLogger("Kaptain.LocalCluster.Operators.Api");
    }

    /// <inheritdoc/>
    public ResourceCatalog Resources { get; }

    /// <summary>The server's URL.</summary>
    public Uri BaseUri => _kube.BaseUri;

    public static string CollectionPath(ResourceType type, string? ns) =>
        (type.Group.Length == 0 ? $"/api/{type.Version}" : $"/apis/{type.Group}/{type.Version}")
        + (type.Namespaced && !string.IsNullOrEmpty(ns) ? $"/namespaces/{Uri.EscapeDataString(ns)}" : string.Empty)
        + "/" + type.Plural;

    public static string ItemPath(ResourceType type, string? ns, string name) => CollectionPath(type, ns) + "/" + Uri.EscapeDataString(name);

    /// <summary>Starts caching <paramref name="types"/> and waits until each was listed once (or found not served).</summary>
    public async Task StartAsync(IEnumerable<ResourceType> types, CancellationToken cancellationToken)
    {
        var informers = types.Select(Cache).ToList();
        await Task.WhenAll(informers.Select(i => i.Synced)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the server serves <paramref name="type"/> (its informer listed it).</summary>
    public bool Serves(ResourceType type) => Cache(type).Served;

    /// <inheritdoc/>
    public JsonObject? TryGet(ResourceType type, string? ns, string name) => Cache(type).TryGet(ns, name);

    /// <inheritdoc/>
    public JsonObject Get(ResourceType type, string? ns, string name) => TryGet(type, ns, name) ?? throw StatusErrors.NotFound(type, name);

    /// <inheritdoc/>
    public ObjectList List(ResourceType type, string? ns = null) => new(Cache(type).List(ns), "0");

    /// <inheritdoc/>
    public void OnChange(ResourceType type, Action<WatchEventType, JsonObject> handler) => Cache(type).AddHandler(handler);

    /// <inheritdoc/>
    public async Task<JsonObject?> ReadAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var obj = await SendForObjectAsync(HttpMethod.Get, ItemPath(type, ns, name), null, cancellationToken).ConfigureAwait(false);
            Cache(type).Observe(obj);
            return obj;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            Cache(type).Forget(ns, name);
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task<JsonObject> CreateAsync(ResourceType type, JsonObject obj, CancellationToken cancellationToken = default)
    {
        obj["apiVersion"] ??= type.ApiVersion;
        obj["kind"] ??= type.Kind;
        var created = await SendForObjectAsync(HttpMethod.Post, CollectionPath(type, ObjectFields.Namespace(obj)), obj, cancellationToken).ConfigureAwait(false);
        Cache(type).Observe(created);
        return created;
    }

    /// <inheritdoc/>
    public async Task<JsonObject> MutateAsync(ResourceType type, string? ns, string name, Func<JsonObject, bool> mutate, bool status = false, CancellationToken cancellationToken = default)
    {
        var current = TryGet(type, ns, name);
        for (var attempt = 0; ; attempt++)
        {
            current ??= await ReadAsync(type, ns, name, cancellationToken).ConfigureAwait(false) ?? throw StatusErrors.NotFound(type, name);
            var changed = (JsonObject)current.DeepClone();
            if (!mutate(changed))
            {
                return current;
            }

            try
            {
                var written = await SendForObjectAsync(HttpMethod.Put, ItemPath(type, ns, name) + (status ? "/status" : string.Empty), changed, cancellationToken).ConfigureAwait(false);
                Cache(type).Observe(written);
                return written;
            }
            catch (ApiException e) when (e.Code == 409 && attempt < 20)
            {
                // Someone wrote in between: start again from what the server has now.
                current = null;
            }
        }
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(ResourceType type, string? ns, string name, DeletionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "DeleteOptions" };
        if (options?.PropagationPolicy is { } policy)
        {
            body["propagationPolicy"] = policy.ToString();
        }

        JsonObject answer;
        try
        {
            answer = await SendForObjectAsync(HttpMethod.Delete, ItemPath(type, ns, name), body, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            Cache(type).Forget(ns, name);
            throw;
        }

        // The object with a deletionTimestamp while finalizers or a grace period hold it; else a Status (gone).
        if (ObjectFields.Text(answer["kind"]) == type.Kind && answer["metadata"]?["deletionTimestamp"] is not null)
        {
            Cache(type).Observe(answer);
        }
        else
        {
            Cache(type).Forget(ns, name);
        }
    }

    /// <inheritdoc/>
    public async Task ConfirmPodDeletedAsync(string ns, string pod, string uid, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "DeleteOptions",
            ["gracePeriodSeconds"] = 0,
            ["preconditions"] = new JsonObject { ["uid"] = uid },
        };
        try
        {
            await SendForObjectAsync(HttpMethod.Delete, ItemPath(BuiltInResources.Pod, ns, pod), body, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Gone already, or a new pod of the same name (not ours to delete).
        }
    }

    /// <inheritdoc/>
    public async Task BindAsync(string ns, string pod, string node, CancellationToken cancellationToken = default)
    {
        var binding = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Binding",
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = ns },
            ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = node },
        };
        await SendForObjectAsync(HttpMethod.Post, ItemPath(BuiltInResources.Pod, ns, pod) + "/binding", binding, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request and returns the JSON object answered.</summary>
    /// <exception cref="ApiException">The server answered an error (its Status, or the code and body).</exception>
    public async Task<JsonObject> SendForObjectAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                using var response = await SendAsync(method, path, body, timeout.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    var error = ToException(response.StatusCode, text);
                    if (IsTransient(response.StatusCode) && attempt < 4)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200 << attempt), cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    throw error;
                }

                return JsonNode.Parse(text) as JsonObject ?? new JsonObject();
            }
            catch (Exception e) when (attempt < 4 && !cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
            {
                _log.LogDebug(e, "{Method} {Path} failed; retrying", method, path);
                await Task.Delay(TimeSpan.FromMilliseconds(200 << attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Streams the lines of a long request (a watch) until the server ends it or the token is cancelled.</summary>
    public async IAsyncEnumerable<string> StreamLinesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw ToException(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    /// <summary>Stops the informers.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        _stopping.Dispose();
        _kube.Dispose();
    }

    private static bool IsTransient(HttpStatusCode code) => code is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static ApiException ToException(HttpStatusCode code, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject status && ObjectFields.Text(status["kind"]) == "Status")
            {
                return new ApiException((int)code, ObjectFields.Text(status["reason"]) ?? code.ToString(), ObjectFields.Text(status["message"]) ?? body);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status: the body is the message.
        }

        return new ApiException((int)code, code.ToString(), body);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_kube.BaseUri, path));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue(UserAgent, "1"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (_kube.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _kube.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    private Informer Cache(ResourceType type) => _informers.GetOrAdd($"{type.ApiVersion}/{type.Plural}", _ => new Lazy<Informer>(() =>
    {
        var informer = new Informer(this, type, _log);
        lock (_running)
        {
            _running.Add(Task.Run(() => informer.RunAsync(_stopping.Token)));
        }

        return informer;
    })).Value;
}
