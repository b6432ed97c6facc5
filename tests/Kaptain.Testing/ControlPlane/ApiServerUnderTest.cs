using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Json;

namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// A Kubernetes API server a test talks to over HTTP: the stand-in (<see cref="StandInApiServer"/>) or upstream
/// kube-apiserver (<see cref="RealControlPlane"/>). Everything here goes through the API, so the same test code runs
/// against both and a difference between them shows as a failing test.
/// </summary>
public abstract class ApiServerUnderTest : IAsyncDisposable
{
    private int _namespaces;

    /// <summary>What this server is, for test output (<c>stand-in</c>, <c>kube-apiserver v1.20.2</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The server's base URL.</summary>
    public abstract Uri Url { get; }

    /// <summary>A token with every permission (<c>system:masters</c>).</summary>
    public abstract string AdminToken { get; }

    /// <summary>The CA of the server's HTTPS certificate (DER), or null for plain HTTP.</summary>
    public abstract byte[]? CaCertificate { get; }

    /// <summary>Whether a kube-controller-manager (Job, garbage collector, namespace, service-account controllers) runs.</summary>
    public abstract bool HasControllers { get; }

    /// <summary>Whether the server's token controller gives every ServiceAccount a token Secret (v1.20's kube-controller-manager).</summary>
    protected virtual bool ServiceAccountsGetTokenSecrets => false;

    /// <summary>
    /// The requests a ServiceAccount of <paramref name="namespace"/> made that the server refused with 403, one line each
    /// (verb, resource, name, user, URI); empty where the server keeps no record (the stand-in).
    /// </summary>
    public virtual IReadOnlyList<string> ForbiddenRequests(string @namespace) => [];

    /// <summary>An admin kubeconfig (YAML) with <paramref name="defaultNamespace"/> as the context's namespace.</summary>
    public string AdminKubeconfig(string defaultNamespace = "default") =>
        KubeconfigFile.Render(Url, AdminToken, defaultNamespace, CaCertificate, "admin");

    /// <summary>
    /// An HTTP client for the server that sends <paramref name="token"/> as its bearer token (the admin's when null, none
    /// when empty). The caller disposes it.
    /// </summary>
    public HttpClient CreateHttpClient(string? token = null)
    {
        var handler = new HttpClientHandler();
        if (CaCertificate is not null)
        {
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => ValidateServerCertificate(certificate);
        }

        var client = new HttpClient(handler) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(100) };
        token ??= AdminToken;
        if (token.Length > 0)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>A KubernetesClient for the server with the admin's (or <paramref name="kubeconfigYaml"/>'s) credentials.</summary>
    public k8s.Kubernetes CreateClient(string? kubeconfigYaml = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfigYaml ?? AdminKubeconfig()));
        return new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    /// <summary>
    /// Creates a namespace of its own for one test (<c>PREFIX-N-xxxxx</c>), with its <c>default</c> ServiceAccount
    /// (made by the service-account controller where one runs, else here), and returns its name.
    /// </summary>
    public async Task<string> CreateNamespaceAsync(string prefix, CancellationToken cancellationToken)
    {
        using var http = CreateHttpClient();
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["generateName"] = $"{prefix}-{Interlocked.Increment(ref _namespaces)}-" },
        };
        var created = await SendAsync(http, HttpMethod.Post, "api/v1/namespaces", body, cancellationToken).ConfigureAwait(false);
        var name = created["metadata"]!["name"]!.GetValue<string>();
        await EnsureDefaultServiceAccountAsync(http, name, cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>Deletes a namespace a test made (best effort: its contents go with it in the background).</summary>
    public async Task DeleteNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        using var http = CreateHttpClient();
        using var response = await http.DeleteAsync(new Uri($"api/v1/namespaces/{name}", UriKind.Relative), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates ServiceAccount <paramref name="name"/> in <paramref name="namespace"/>, the Roles and ClusterRoles of
    /// <paramref name="rolesYaml"/> (YAML documents; a Role lands in <paramref name="namespace"/>, a ClusterRole is made
    /// cluster-wide), a RoleBinding of each to the account (in the namespace, so a ClusterRole grants only there), and
    /// returns a kubeconfig for the account with a token from the TokenRequest API (<c>serviceaccounts/token</c>).
    /// </summary>
    public Task<ServiceAccountCredentials> ServiceAccountAsync(string @namespace, string name, string rolesYaml, CancellationToken cancellationToken) =>
        ServiceAccountAsync(@namespace, name, YamlToJson.ParseDocuments(rolesYaml).OfType<JsonObject>(), cancellationToken);

    /// <summary>As <see cref="ServiceAccountAsync(string, string, string, CancellationToken)"/>, with the Roles and
    /// ClusterRoles as JSON objects (each is changed: a Role gets <paramref name="namespace"/>).</summary>
    public async Task<ServiceAccountCredentials> ServiceAccountAsync(string @namespace, string name, IEnumerable<JsonObject> roles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(roles);
        using var http = CreateHttpClient();
        await SendAsync(http, HttpMethod.Post, $"api/v1/namespaces/{@namespace}/serviceaccounts",
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = name } },
            cancellationToken).ConfigureAwait(false);
        var binding = 0;
        foreach (var document in roles)
        {
            var kind = document["kind"]?.GetValue<string>();
            var roleName = document["metadata"]?["name"]?.GetValue<string>()
                ?? throw new ArgumentException("A role has no metadata.name.", nameof(roles));
            switch (kind)
            {
                case "Role":
                    document["metadata"]!["namespace"] = @namespace;
                    await SendAsync(http, HttpMethod.Post, $"apis/rbac.authorization.k8s.io/v1/namespaces/{@namespace}/roles", document, cancellationToken).ConfigureAwait(false);
                    break;
                case "ClusterRole":
                    await CreateOrReplaceAsync(http, "apis/rbac.authorization.k8s.io/v1/clusterroles", roleName, document, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new ArgumentException($"Only Roles and ClusterRoles can be bound here, not a {kind}.", nameof(roles));
            }

            var roleBinding = new JsonObject
            {
                ["apiVersion"] = "rbac.authorization.k8s.io/v1",
                ["kind"] = "RoleBinding",
                ["metadata"] = new JsonObject { ["name"] = $"{name}-{++binding}", ["namespace"] = @namespace },
                ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = kind, ["name"] = roleName },
                ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = name, ["namespace"] = @namespace }),
            };
            await SendAsync(http, HttpMethod.Post, $"apis/rbac.authorization.k8s.io/v1/namespaces/{@namespace}/rolebindings", roleBinding, cancellationToken).ConfigureAwait(false);
        }

        var tokenRequest = new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["kind"] = "TokenRequest",
            ["spec"] = new JsonObject { ["expirationSeconds"] = 3600 },
        };
        var issued = await SendAsync(http, HttpMethod.Post, $"api/v1/namespaces/{@namespace}/serviceaccounts/{name}/token", tokenRequest, cancellationToken).ConfigureAwait(false);
        var token = issued["status"]?["token"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"{Name} issued no token for ServiceAccount {@namespace}/{name}: {issued.ToJsonString()}");
        return new ServiceAccountCredentials(token, KubeconfigFile.Render(Url, token, @namespace, CaCertificate, $"{@namespace}-{name}"));
    }

    /// <summary>Sends a JSON request with the admin's client and returns the body; throws with the body on a failure status.</summary>
    public static async Task<JsonObject> SendAsync(HttpClient http, HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}", null, response.StatusCode);
        }

        return JsonNode.Parse(text) as JsonObject ?? new JsonObject();
    }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <summary>Whether the server's HTTPS certificate chains to <see cref="CaCertificate"/>.</summary>
    protected abstract bool ValidateServerCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate);

    private async Task EnsureDefaultServiceAccountAsync(HttpClient http, string @namespace, CancellationToken cancellationToken)
    {
        if (!HasControllers)
        {
            try
            {
                await SendAsync(http, HttpMethod.Post, $"api/v1/namespaces/{@namespace}/serviceaccounts",
                    new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = "default" } },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                // Someone (a simulated controller) made it first.
            }

            return;
        }

        // The service-account controller adds it moments after the namespace; pods cannot be created before. On v1.20
        // the ServiceAccount admission plugin also needs its token Secret (a pod created before it is a 500:
        // "No API token found for service account"), which the token controller adds next.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            using var response = await http.GetAsync(new Uri($"api/v1/namespaces/{@namespace}/serviceaccounts/default", UriKind.Relative), deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var account = JsonNode.Parse(await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false));
                if (!ServiceAccountsGetTokenSecrets || account?["secrets"] is JsonArray { Count: > 0 })
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
        }
    }

    private static async Task CreateOrReplaceAsync(HttpClient http, string collection, string name, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(http, HttpMethod.Post, collection, body, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            var current = await SendAsync(http, HttpMethod.Get, $"{collection}/{name}", null, cancellationToken).ConfigureAwait(false);
            body["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.DeepClone();
            await SendAsync(http, HttpMethod.Put, $"{collection}/{name}", body, cancellationToken).ConfigureAwait(false);
        }
    }
}
