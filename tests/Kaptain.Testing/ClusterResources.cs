using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;

namespace Kaptain.Testing;

/// <summary>
/// What a namespace of the local cluster holds, read from its store: every object of every namespaced kind, so that a
/// resource of a kind nobody thought of cannot hide. Events (written by the simulated controllers, not by a build) and
/// what every namespace gets from the cluster itself (its <c>default</c> ServiceAccount and <c>kube-root-ca.crt</c>
/// ConfigMap, made by kube-controller-manager's service-account controller and root-ca-cert-publisher) are left out.
/// </summary>
public sealed class ClusterResources
{
    private ClusterResources(IReadOnlyList<ClusterResource> all) => All = all;

    /// <summary>Every object, ordered by kind and name.</summary>
    public IReadOnlyList<ClusterResource> All { get; }

    /// <summary>The objects as <c>Kind/name</c>, ordered.</summary>
    public IReadOnlyList<string> Names => [.. All.Select(r => r.ToString())];

    /// <summary>The objects of one kind.</summary>
    public IReadOnlyList<ClusterResource> OfKind(string kind) => [.. All.Where(r => r.Kind == kind)];

    /// <summary>Reads what <paramref name="namespace"/> holds now.</summary>
    public static ClusterResources In(LocalClusterServer cluster, string @namespace)
    {
        var all = new List<ClusterResource>();
        foreach (var type in cluster.Store.Resources.All.Where(t => t.Namespaced && t.Kind != "Event"))
        {
            foreach (var item in cluster.Store.List(type, @namespace, null, null).Items)
            {
                var resource = new ClusterResource(type.Kind, item);
                if (!(type == BuiltInResources.ServiceAccount && resource.Name == "default")
                    && !(type == BuiltInResources.ConfigMap && resource.Name == "kube-root-ca.crt"))
                {
                    all.Add(resource);
                }
            }
        }

        return new ClusterResources([.. all.OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)]);
    }

    /// <inheritdoc />
    public override string ToString() => All.Count == 0 ? "(nothing)" : string.Join(Environment.NewLine, All.Select(r => r.Describe()));
}
