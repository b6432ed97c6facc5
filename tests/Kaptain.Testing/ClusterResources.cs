using System.Net;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;
using Kaptain.Testing.ControlPlane;

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

    /// <summary>
    /// Reads what <paramref name="namespace"/> holds now through the API of <paramref name="server"/> (either engine):
    /// every namespaced kind the local cluster serves (one version of each), left out what the cluster itself puts in
    /// every namespace (the <c>default</c> ServiceAccount and its token Secret, the <c>kube-root-ca.crt</c> ConfigMap).
    /// </summary>
    public static async Task<ClusterResources> ReadAsync(ApiServerUnderTest server, string @namespace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var http = server.CreateHttpClient();
        var all = new List<ClusterResource>();
        var kinds = ResourceCatalog.CreateDefault().All.Where(t => t.Namespaced && t.Kind != "Event").DistinctBy(t => (t.Group, t.Kind));
        foreach (var type in kinds)
        {
            using var response = await http.GetAsync(new Uri(CollectionPath(type, @namespace), UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue; // not served by this server (a kind no one installed)
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET {CollectionPath(type, @namespace)}: {(int)response.StatusCode} {text}", null, response.StatusCode);
            }

            foreach (var item in (JsonNode.Parse(text)?["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var resource = new ClusterResource(type.Kind, item);
                if (!IsTheClustersOwn(type, resource))
                {
                    all.Add(resource);
                }
            }
        }

        return new ClusterResources([.. all.OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Like <see cref="ReadAsync"/>, but first waits (bounded, <paramref name="settle"/>) until no token Secret of a
    /// ServiceAccount that is gone and no dependent of a deleted owner is left: the token controller deletes those
    /// tokens after the account (<see cref="ClusterResource.TokenOf"/>), the garbage collector those dependents
    /// (<see cref="DependentsOfGoneOwners"/>), so a moment after a run removed what it created a user no longer sees
    /// them. What stays is returned, so that the caller's assertion shows it.
    /// </summary>
    public static async Task<ClusterResources> ReadSettledAsync(ApiServerUnderTest server, string @namespace, TimeSpan settle, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + settle;
        while (true)
        {
            var resources = await ReadAsync(server, @namespace, cancellationToken).ConfigureAwait(false);
            if ((resources.TokensOfGoneServiceAccounts.Count == 0 && resources.DependentsOfGoneOwners.Count == 0) || DateTimeOffset.UtcNow >= deadline)
            {
                return resources;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The objects whose owners are all gone, directly or through owners of their own: what the garbage collector
    /// deletes next after an owner was deleted with background propagation (kubernetes/kubernetes
    /// pkg/controller/garbagecollector; on a real cluster that takes a moment, a Trial's TFJob's pods after the
    /// Experiment). An object the collector orphaned has no ownerReferences left and is not one of them.
    /// </summary>
    public IReadOnlyList<ClusterResource> DependentsOfGoneOwners
    {
        get
        {
            var present = All.Select(r => r.Uid).ToHashSet(StringComparer.Ordinal);
            var pending = new HashSet<string>(StringComparer.Ordinal);
            for (var grown = true; grown;)
            {
                grown = false;
                foreach (var resource in All.Where(r => !pending.Contains(r.Uid)))
                {
                    var owners = OwnerUids(resource);
                    if (owners.Count > 0 && owners.All(o => !present.Contains(o) || pending.Contains(o)))
                    {
                        pending.Add(resource.Uid);
                        grown = true;
                    }
                }
            }

            return [.. All.Where(r => pending.Contains(r.Uid))];
        }
    }

    private static List<string> OwnerUids(ClusterResource resource) =>
        [.. (resource.Object["metadata"]?["ownerReferences"]?.AsArray() ?? []).Select(o => o?["uid"]?.GetValue<string>()).OfType<string>()];

    /// <summary>The token Secrets whose ServiceAccount is not (any longer) in the namespace.</summary>
    public IReadOnlyList<ClusterResource> TokensOfGoneServiceAccounts
    {
        get
        {
            var accounts = All.Where(r => r.Kind == "ServiceAccount").Select(r => r.Uid).ToHashSet(StringComparer.Ordinal);
            return [.. All.Where(r => r.TokenOf is { } uid && !accounts.Contains(uid))];
        }
    }

    /// <summary>The path of the collection of <paramref name="type"/> in <paramref name="namespace"/>.</summary>
    public static string CollectionPath(ResourceType type, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(type);
        return (type.Group.Length == 0 ? $"api/{type.Version}" : $"apis/{type.Group}/{type.Version}") + $"/namespaces/{@namespace}/{type.Plural}";
    }

    // The cluster's own, and what the test set up for the builds to run as (ShippedRoles: the account, its token
    // Secret, the Roles and their RoleBindings); none of it is a run's.
    private static bool IsTheClustersOwn(ResourceType type, ClusterResource resource) =>
        (type == BuiltInResources.ServiceAccount && resource.Name is "default" or ShippedRoles.AccountName)
        || (type == BuiltInResources.ConfigMap && resource.Name == "kube-root-ca.crt")
        || (type == BuiltInResources.Secret && resource.Object["type"]?.GetValue<string>() == "kubernetes.io/service-account-token"
            && resource.Object["metadata"]?["annotations"]?["kubernetes.io/service-account.name"]?.GetValue<string>() is "default" or ShippedRoles.AccountName)
        || (type == BuiltInResources.Role && ShippedRoles.Names.Contains(resource.Name))
        || (type == BuiltInResources.RoleBinding && resource.Name.StartsWith(ShippedRoles.AccountName + "-", StringComparison.Ordinal)
            && resource.Object["subjects"]?[0]?["name"]?.GetValue<string>() == ShippedRoles.AccountName);

    /// <inheritdoc />
    public override string ToString() => All.Count == 0 ? "(nothing)" : string.Join(Environment.NewLine, All.Select(r => r.Describe()));
}
