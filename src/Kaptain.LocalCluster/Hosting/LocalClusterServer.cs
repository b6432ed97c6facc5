using System.Net;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Auth;
using Kaptain.LocalCluster.Faults;
using Kaptain.LocalCluster.Http;
using Kaptain.LocalCluster.Logs;
using Kaptain.LocalCluster.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kaptain.LocalCluster.Hosting;

/// <summary>
/// A running local cluster: the API server on 127.0.0.1 (Kestrel) over an in-memory <see cref="ObjectStore"/>, with the
/// configured controllers running in-process. Start it with <see cref="StartAsync"/>, point clients at it with
/// <see cref="WriteKubeconfigAsync"/>, stop it with <see cref="DisposeAsync"/>.
/// (Named <c>LocalClusterServer</c> rather than <c>LocalCluster</c> so that it does not collide with the
/// <c>Kaptain.LocalCluster</c> namespace in code under <c>Kaptain.*</c>.)
/// </summary>
public sealed class LocalClusterServer : IAsyncDisposable
{
    /// <summary>The namespaces every cluster starts with.</summary>
    public static readonly IReadOnlyList<string> InitialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _controllers = [];
    private readonly ILogger _log;
    private int _disposed;

    private LocalClusterServer(WebApplication app, ClusterContext context, Uri url)
    {
        _app = app;
        Context = context;
        Url = url;
        _log = context.LoggerFactory.CreateLogger("Kaptain.LocalCluster");
    }

    /// <summary>The server URL, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>What controllers get; also the way tests reach the store, logs and faults directly.</summary>
    public ClusterContext Context { get; }

    /// <summary>The objects of the cluster.</summary>
    public ObjectStore Store => Context.Store;

    /// <summary>The containers' logs.</summary>
    public PodLogStore Logs => Context.Logs;

    /// <summary>The fault injector of the HTTP API.</summary>
    public FaultInjector Faults => Context.Faults;

    /// <summary>The kubeconfig (YAML) for this cluster, with <paramref name="defaultNamespace"/> as the context's namespace.</summary>
    public string KubeconfigYaml(string defaultNamespace = "default") => Kubeconfig.Render(Url, Context.Options.Token, defaultNamespace);

    /// <summary>Writes the kubeconfig to <paramref name="path"/> (creating its directory).</summary>
    public async Task WriteKubeconfigAsync(string path, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(path, KubeconfigYaml(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a cluster: seeds the namespaces and CRDs, listens on 127.0.0.1, then starts the controllers.</summary>
    public static async Task<LocalClusterServer> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var catalog = ResourceCatalog.CreateDefault();
        foreach (var type in options.AdditionalResources) catalog.Register(type);
        var store = new ObjectStore(catalog, options.Store, options.Time);
        var logs = new PodLogStore(options.Time);
        store.PodRemoved += pod => logs.RemovePod(pod["metadata"]?["namespace"]?.GetValue<string>() ?? "", pod["metadata"]?["name"]?.GetValue<string>() ?? "");
        var faults = new FaultInjector(options.Faults, options.FaultSeed);
        var context = new ClusterContext(store, logs, faults, options, loggerFactory, options.Time);
        Seed(store, catalog);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(LocalClusterServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024; // the KServe CRD alone is ~2 MB
        });
        var app = builder.Build();
        var api = new ApiServer(context, new TokenAuthenticator(store, options.Token));
        app.Run(api.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        context.ServerUrl = url;
        var cluster = new LocalClusterServer(app, context, url);
        foreach (var controller in options.Controllers) cluster.StartController(controller);
        return cluster;
    }

    private void StartController(IController controller)
    {
        _controllers.Add(Task.Run(async () =>
        {
            try
            {
                await controller.RunAsync(Context, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping.
            }
            catch (Exception e)
            {
                _log.LogError(e, "Controller {Controller} failed", controller.Name);
            }
        }));
    }

    private static void Seed(ObjectStore store, ResourceCatalog catalog)
    {
        foreach (var ns in InitialNamespaces)
            store.Create(BuiltInResources.Namespace, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        foreach (var crd in catalog.CustomResourceDefinitions)
        {
            var definition = (JsonObject)crd.Definition.DeepClone();
            definition.Remove("status");
            ObjectStore.Metadata(definition).Remove("creationTimestamp");
            store.Create(BuiltInResources.CustomResourceDefinition, definition);
        }
        foreach (var role in BootstrapPolicy.ClusterRoles()) store.Create(BuiltInResources.ClusterRole, role);
        foreach (var binding in BootstrapPolicy.ClusterRoleBindings()) store.Create(BuiltInResources.ClusterRoleBinding, binding);
    }

    /// <summary>Stops the controllers, then the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_controllers).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
