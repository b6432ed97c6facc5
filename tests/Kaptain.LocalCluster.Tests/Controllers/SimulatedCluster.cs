using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.LocalCluster.Controllers;
using Kaptain.LocalCluster.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

/// <summary>A local cluster in-process with every simulated controller, and a KubernetesClient talking to it over
/// HTTP; each test works in a namespace of its own.</summary>
public sealed class SimulatedCluster : IAsyncLifetime
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly CollectingLoggerProvider _log = new();
    private LocalClusterServer? _server;
    private Kubernetes? _client;

    /// <summary>The scenario file the cluster reads, for a cluster started by <see cref="StartAsync"/>.</summary>
    public string? ScenarioFile { get; init; }

    public LocalClusterServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>An HTTP client with the cluster's admin token (the stand-in answers 401/403 without one, as a real server).</summary>
    private HttpClient NewHttpClient()
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Server.Context.Options.Token);
        return http;
    }

    public Kubernetes Client => _client ?? throw new InvalidOperationException("not started");

    public static async Task<SimulatedCluster> StartAsync(string? scenarioFile, CancellationToken cancellationToken)
    {
        var cluster = new SimulatedCluster { ScenarioFile = scenarioFile };
        await cluster.StartCoreAsync(cancellationToken);
        return cluster;
    }

    public async ValueTask InitializeAsync() => await StartCoreAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Creates a fresh namespace for one test.</summary>
    public async Task<string> NamespaceAsync(string prefix, CancellationToken cancellationToken, IDictionary<string, string>? labels = null)
    {
        var ns = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 9)];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns, Labels = labels } }, cancellationToken: cancellationToken);
        return ns;
    }

    /// <summary>Creates any object from JSON (through the API, as kubectl create would).</summary>
    public async Task CreateAsync(string apiVersion, string plural, string ns, string json, CancellationToken cancellationToken)
    {
        var (group, version) = Split(apiVersion);
        using var body = JsonDocument.Parse(json);
        if (group.Length == 0)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Server.Url, $"api/{version}/namespaces/{ns}/{plural}"))
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            using var http = NewHttpClient();
            using var response = await http.SendAsync(request, cancellationToken);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            return;
        }

        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(body.RootElement, group, version, ns, plural, cancellationToken: cancellationToken);
    }

    /// <summary>Reads any object as JSON.</summary>
    public async Task<JsonNode> GetAsync(string apiVersion, string plural, string ns, string name, CancellationToken cancellationToken)
    {
        using var http = NewHttpClient();
        var (group, version) = Split(apiVersion);
        var path = group.Length == 0 ? $"api/{version}/namespaces/{ns}/{plural}/{name}" : $"apis/{group}/{version}/namespaces/{ns}/{plural}/{name}";
        var text = await http.GetStringAsync(new Uri(Server.Url, path), cancellationToken);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Lists any objects as JSON.</summary>
    public async Task<IReadOnlyList<JsonNode>> ListAsync(string apiVersion, string plural, string ns, CancellationToken cancellationToken, string? labelSelector = null)
    {
        using var http = NewHttpClient();
        var (group, version) = Split(apiVersion);
        var path = group.Length == 0 ? $"api/{version}/namespaces/{ns}/{plural}" : $"apis/{group}/{version}/namespaces/{ns}/{plural}";
        if (labelSelector is not null)
        {
            path += "?labelSelector=" + Uri.EscapeDataString(labelSelector);
        }

        var list = JsonNode.Parse(await http.GetStringAsync(new Uri(Server.Url, path), cancellationToken))!;
        return list["items"]!.AsArray().Select(i => i!).ToList();
    }

    /// <summary>Watches one object through KubernetesClient until <paramref name="condition"/> holds; returns it.
    /// Fails the test with the last state seen when it does not hold within a minute.</summary>
    public async Task<JsonNode> WaitForAsync(string apiVersion, string plural, string ns, string name, Func<JsonNode, bool> condition, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(WaitLimit);
        JsonNode? last = null;
        try
        {
            while (true)
            {
                await foreach (var (type, item) in Watch(apiVersion, plural, ns, name, limit.Token))
                {
                    if (type == WatchEventType.Deleted)
                    {
                        continue;
                    }

                    last = JsonNode.Parse(KubernetesJson.Serialize(item))!;
                    if (condition(last))
                    {
                        return last;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"{plural}/{name} in {ns} did not reach the expected state within {WaitLimit}. Last seen:\n{last?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}\nCluster warnings:\n{string.Join('\n', _log.Lines)}");
            throw;
        }
    }

    /// <summary>Watches until the object is gone.</summary>
    public async Task WaitForDeletionAsync(string apiVersion, string plural, string ns, string name, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(WaitLimit);
        var (group, version) = Split(apiVersion);
        while (true)
        {
            var list = await Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(group, version, ns, plural, fieldSelector: $"metadata.name={name}", cancellationToken: limit.Token);
            if (list.GetProperty("items").GetArrayLength() == 0)
            {
                return;
            }

            await foreach (var (type, _) in Client.CustomObjects.WatchListNamespacedCustomObjectAsync(group, version, ns, plural, fieldSelector: $"metadata.name={name}", resourceVersion: list.GetProperty("metadata").GetProperty("resourceVersion").GetString(), cancellationToken: limit.Token))
            {
                if (type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A pod's log through KubernetesClient (pods/log).</summary>
    public async Task<string> LogAsync(string ns, string pod, CancellationToken cancellationToken, string? container = null, bool previous = false)
    {
        using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, previous: previous, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>The events about one object.</summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string ns, string name, CancellationToken cancellationToken) =>
        (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}", cancellationToken: cancellationToken)).Items.ToList();

    public static bool HasCondition(JsonNode obj, string type, string status = "True") =>
        (obj["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.GetValue<string>() == type && c?["status"]?.GetValue<string>() == status);

    public static string? ConditionReason(JsonNode obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).FirstOrDefault(c => c?["type"]?.GetValue<string>() == type)?["reason"]?.GetValue<string>();

    private IAsyncEnumerable<(WatchEventType, object)> Watch(string apiVersion, string plural, string ns, string name, CancellationToken cancellationToken)
    {
        var (group, version) = Split(apiVersion);
        var field = $"metadata.name={name}";
        return (group, plural) switch
        {
            ("", "pods") => Cast(Client.CoreV1.WatchListNamespacedPodAsync(ns, fieldSelector: field, cancellationToken: cancellationToken)),
            ("batch", "jobs") => Cast(Client.BatchV1.WatchListNamespacedJobAsync(ns, fieldSelector: field, cancellationToken: cancellationToken)),
            ("apps", "deployments") => Cast(Client.AppsV1.WatchListNamespacedDeploymentAsync(ns, fieldSelector: field, cancellationToken: cancellationToken)),
            _ => Cast(Client.CustomObjects.WatchListNamespacedCustomObjectAsync(group, version, ns, plural, fieldSelector: field, cancellationToken: cancellationToken)),
        };
    }

    private static async IAsyncEnumerable<(WatchEventType, object)> Cast<T>(IAsyncEnumerable<(WatchEventType, T)> events)
    {
        await foreach (var (type, item) in events)
        {
            yield return (type, item!);
        }
    }

    private static (string Group, string Version) Split(string apiVersion) =>
        apiVersion.Contains('/', StringComparison.Ordinal) ? (apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)], apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..]) : (string.Empty, apiVersion);

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var options = new LocalClusterOptions { ScenarioFile = ScenarioFile, LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(_log)) };
        SimulatedControllers.AddTo(options);
        _server = await LocalClusterServer.StartAsync(options, cancellationToken);
        using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(_server.KubeconfigYaml()));
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }
}
