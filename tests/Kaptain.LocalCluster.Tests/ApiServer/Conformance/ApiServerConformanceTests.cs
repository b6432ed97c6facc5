using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.Testing.ControlPlane;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>
/// What a client sees from the Kubernetes API, run against each server (<see cref="StandInApiServerTests"/>,
/// <see cref="RealApiServerTests"/>) the way Nerdbank.GitVersioning runs one abstract suite against each engine. Every
/// request goes over HTTP with a token, in a namespace of the test's own; a case that fails on one server only is a bug
/// in the stand-in, fixed there.
/// </summary>
public abstract partial class ApiServerConformanceTests : IAsyncLifetime
{
    private readonly List<HttpClient> _clients = [];
    private readonly List<string> _namespaces = [];
    private ApiServerUnderTest? _api;

    /// <summary>The cancellation token of the running test.</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The server under test (started or taken from the fixture by <see cref="StartServerAsync"/>).</summary>
    protected ApiServerUnderTest Api => _api ?? throw new InvalidOperationException("Call UseServerAsync first.");

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (_api is not null)
        {
            foreach (var ns in _namespaces)
            {
                await _api.DeleteNamespaceAsync(ns, CancellationToken.None);
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Starts (stand-in) or takes (real control plane; skips without assets) the server under test.</summary>
    protected abstract ValueTask<ApiServerUnderTest> StartServerAsync();

    /// <summary>The server, an admin client and a fresh namespace of this test's own.</summary>
    protected async Task<(HttpClient Admin, string Namespace)> UseServerAsync(string prefix = "conformance")
    {
        _api = await StartServerAsync();
        var ns = await _api.CreateNamespaceAsync(prefix, Token);
        _namespaces.Add(ns);
        return (Client(), ns);
    }

    /// <summary>An HTTP client with <paramref name="token"/> (the admin's when null, none when empty), disposed after the test.</summary>
    protected HttpClient Client(string? token = null)
    {
        var client = Api.CreateHttpClient(token);
        _clients.Add(client);
        return client;
    }

    /// <summary>Sends a request; returns the status code, the JSON body (null if not JSON) and the raw text.</summary>
    protected static async Task<Reply> SendAsync(HttpClient http, HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request, Token);
        var text = await response.Content.ReadAsStringAsync(Token);
        JsonNode? json;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        return new Reply((int)response.StatusCode, json, text);
    }

    /// <summary>Sends raw text (for bodies that are not valid JSON objects of the model).</summary>
    protected static async Task<Reply> SendTextAsync(HttpClient http, HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.SendAsync(request, Token);
        var text = await response.Content.ReadAsStringAsync(Token);
        JsonNode? json;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        return new Reply((int)response.StatusCode, json, text);
    }

    /// <summary>A ConfigMap manifest.</summary>
    protected static JsonObject ConfigMap(string name, string? ns = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = ns is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["data"] = new JsonObject { ["key"] = "value" },
    };

    /// <summary>A response: status code, JSON body and text.</summary>
    protected sealed record Reply(int Code, JsonNode? Body, string Text)
    {
        /// <summary>The body's <c>reason</c> (a Status).</summary>
        public string? Reason => Body?["reason"]?.GetValue<string>();

        /// <summary>The body's <c>message</c> (a Status).</summary>
        public string? Message => Body?["message"]?.GetValue<string>();

        /// <inheritdoc />
        public override string ToString() => $"{Code} {Text}";
    }
}
