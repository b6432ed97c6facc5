namespace Kaptain.LocalCluster.Api;

/// <summary>
/// The resource types the cluster serves: the built-in kinds and one type per served version of every CRD. Discovery,
/// the HTTP routes and the store all look types up here.
/// </summary>
public sealed class ResourceCatalog
{
    private readonly List<ResourceType> _types = [];
    private readonly List<LoadedCrd> _crds = [];

    /// <summary>The built-in types and the CRDs embedded from <c>Crds/</c>.</summary>
    public static ResourceCatalog CreateDefault()
    {
        var catalog = new ResourceCatalog();
        foreach (var type in BuiltInResources.All) catalog.Register(type);
        foreach (var crd in CustomResourceDefinitionLoader.EmbeddedDefinitions) catalog.Register(crd);
        return catalog;
    }

    /// <summary>Every served type.</summary>
    public IReadOnlyList<ResourceType> All => _types;

    /// <summary>The CRDs served (in <c>apiextensions.k8s.io/v1</c> form).</summary>
    public IReadOnlyList<LoadedCrd> CustomResourceDefinitions => _crds;

    /// <summary>Adds a type. A type already registered under the same group, version and plural is replaced.</summary>
    public void Register(ResourceType type)
    {
        _types.RemoveAll(t => t.Group == type.Group && t.Version == type.Version && t.Plural == type.Plural);
        _types.Add(type);
    }

    /// <summary>Adds every served version of a CRD.</summary>
    public void Register(LoadedCrd crd)
    {
        _crds.Add(crd);
        foreach (var type in crd.Versions) Register(type);
    }

    /// <summary>The type served at <c>/apis/{group}/{version}/{plural}</c> (group empty for <c>/api/v1</c>), or null.</summary>
    public ResourceType? Find(string group, string version, string plural) =>
        _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    /// <summary>The type of objects with this <c>apiVersion</c> and <c>kind</c>, or null.</summary>
    public ResourceType? FindByKind(string apiVersion, string kind) =>
        _types.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    /// <summary>The type of objects with this <c>apiVersion</c> and <c>kind</c>.</summary>
    /// <exception cref="KeyNotFoundException">The type is not served.</exception>
    public ResourceType Get(string apiVersion, string kind) =>
        FindByKind(apiVersion, kind) ?? throw new KeyNotFoundException($"{apiVersion} {kind} is not served by the local cluster");

    /// <summary>The API groups (not the core group) with their versions, preferred version first.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups()
    {
        return _types.Where(t => t.Group.Length > 0).GroupBy(t => t.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var versions = g.Select(t => t.Version).Distinct().ToList();
                var preferred = versions.OrderByDescending(VersionPriority).First();
                versions.Remove(preferred);
                versions.Insert(0, preferred);
                return (g.Key, (IReadOnlyList<string>)versions);
            }).ToList();
    }

    /// <summary>The types of one group version.</summary>
    public IEnumerable<ResourceType> InGroupVersion(string group, string version) => _types.Where(t => t.Group == group && t.Version == version);

    // Kubernetes version priority: GA > beta > alpha, higher numbers first.
    private static int VersionPriority(string version)
    {
        var m = System.Text.RegularExpressions.Regex.Match(version, @"^v(\d+)(?:(alpha|beta)(\d+))?$");
        if (!m.Success) return 0;
        var major = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stage = m.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        var minor = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return stage * 1_000_000 + major * 1000 + minor;
    }
}
