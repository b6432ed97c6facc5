using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Faults;
using Kaptain.LocalCluster.Hosting;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>
/// One test's view of the shared local cluster (the in-process Kubernetes-compatible API server on 127.0.0.1): its own
/// namespace, reached through a kubeconfig file and a <see cref="TcpDropProxy"/>, with the cluster layer opened on it
/// the way a build opens it. The test plays the kubelet and the controllers through the cluster's store and log store.
/// </summary>
internal sealed class LocalClusterTestBed : IAsyncDisposable
{
    private int disposed;

    private LocalClusterTestBed(LocalClusterServer cluster, string @namespace, TcpDropProxy proxy, TempFolder folder, KubernetesConnection connection, ResourceJournal journal)
    {
        Namespace = @namespace;
        Cluster = cluster;
        Proxy = proxy;
        Folder = folder;
        Connection = connection;
        Journal = journal;
        Resilience = new ClusterResilience(new ClusterRetryOptions
        {
            MaxRetryAttempts = 8,
            BaseDelay = TimeSpan.FromMilliseconds(10),
            MaxDelay = TimeSpan.FromMilliseconds(200),
            MaxRetryAfter = TimeSpan.FromMilliseconds(200),
        });
        Client = new ClusterResourceClient(connection, Resilience, journal);
    }

    public LocalClusterServer Cluster { get; }

    /// <summary>A namespace of this test's own on the shared cluster (the connection's namespace).</summary>
    public string Namespace { get; }

    public TcpDropProxy Proxy { get; }

    public TempFolder Folder { get; }

    public KubernetesConnection Connection { get; }

    public ResourceJournal Journal { get; }

    public ClusterResilience Resilience { get; }

    public ClusterResourceClient Client { get; }

    public static async Task<LocalClusterTestBed> StartAsync(SharedLocalCluster shared, CancellationToken cancellationToken)
    {
        var cluster = await shared.GetAsync(cancellationToken);
        var @namespace = "kt-" + Guid.NewGuid().ToString("N")[..10];
        cluster.Store.Create(
            BuiltInResources.Namespace,
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = @namespace } });
        var proxy = new TcpDropProxy(cluster.Url);
        var folder = new TempFolder();

        // The kubeconfig the cluster writes, pointed at the proxy so that tests can cut connections.
        var kubeconfig = cluster.KubeconfigYaml(@namespace).Replace(
            cluster.Url.ToString().TrimEnd('/'), proxy.Url.ToString().TrimEnd('/'), StringComparison.Ordinal);
        var path = folder.Write("kubeconfig.yaml", kubeconfig);
        var connection = KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = path }, new TestEnvironment());
        var journal = ResourceJournal.Open(folder.File("obj/kaptain/journal.jsonl"));
        return new LocalClusterTestBed(cluster, @namespace, proxy, folder, connection, journal);
    }

    public ResourceType Type(ResourceKind kind) => Cluster.Store.Resources.Get(kind.ApiVersion, kind.Kind);

    public JsonObject? Stored(ResourceKind kind, string name) => Cluster.Store.TryGet(Type(kind), Namespace, name);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        Cluster.Faults.Options = FaultOptions.None;
        Journal.Dispose();
        Connection.Dispose();
        await Proxy.DisposeAsync();
        Folder.Dispose();
    }
}
