using System.Reflection;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Json;
using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Api;

/// <summary>
/// Reads the CRD files embedded from <c>Crds/</c> into resource types (one per served version). A file
/// <c>X.protocol.yaml</c> beside <c>X.yaml</c> is a JSON patch (in YAML) applied to it first, as the upstream install
/// does; an <c>apiextensions.k8s.io/v1beta1</c> CRD is converted to the v1 form (per-version schema, subresources and
/// printer columns) the way the API server's conversion does.
/// </summary>
public static class CustomResourceDefinitionLoader
{
    private static readonly Lazy<IReadOnlyList<LoadedCrd>> Embedded = new(LoadEmbedded);

    /// <summary>The embedded CRDs, parsed once per process (the schemas are immutable and shared between clusters).</summary>
    public static IReadOnlyList<LoadedCrd> EmbeddedDefinitions => Embedded.Value;

    private static IReadOnlyList<LoadedCrd> LoadEmbedded()
    {
        var assembly = typeof(CustomResourceDefinitionLoader).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith("Crds/", StringComparison.Ordinal)).ToList();
        var result = new List<LoadedCrd>();
        foreach (var name in names.Where(n => n.EndsWith(".yaml", StringComparison.Ordinal) && !n.EndsWith(".protocol.yaml", StringComparison.Ordinal)).Order())
        {
            var patchName = name[..^".yaml".Length] + ".protocol.yaml";
            var patch = names.Contains(patchName) ? YamlToJson.Parse(Read(assembly, patchName)) as JsonArray : null;
            foreach (var doc in YamlToJson.ParseDocuments(Read(assembly, name)).OfType<JsonObject>())
            {
                if (doc["kind"]?.GetValue<string>() != "CustomResourceDefinition") continue;
                var crd = patch is null ? doc : (JsonObject)JsonPatchDocument.Apply(doc, patch)!;
                result.Add(Load(ToV1(crd)));
            }
        }
        return result;
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Builds the resource types of one CRD (in <c>apiextensions.k8s.io/v1</c> form).</summary>
    public static LoadedCrd Load(JsonObject crd)
    {
        var spec = crd["spec"]!.AsObject();
        var names = spec["names"]!.AsObject();
        var group = spec["group"]!.GetValue<string>();
        var kind = names["kind"]!.GetValue<string>();
        var plural = names["plural"]!.GetValue<string>();
        var types = new List<ResourceType>();
        foreach (var version in spec["versions"]!.AsArray().OfType<JsonObject>())
        {
            if (version["served"]?.GetValue<bool>() == false) continue;
            var schemaNode = version["schema"]?["openAPIV3Schema"] as JsonObject;
            types.Add(new ResourceType
            {
                Group = group,
                Version = version["name"]!.GetValue<string>(),
                Kind = kind,
                Plural = plural,
                Singular = names["singular"]?.GetValue<string>() ?? kind.ToLowerInvariant(),
                Namespaced = spec["scope"]?.GetValue<string>() != "Cluster",
                HasStatusSubresource = version["subresources"]?["status"] is not null,
                TracksGeneration = true,
                IsCustomResource = true,
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                Schema = schemaNode is null ? null : StructuralSchema.Parse(schemaNode),
                PrinterColumns = (version["additionalPrinterColumns"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(c => new PrinterColumn(c["name"]!.GetValue<string>(), c["type"]?.GetValue<string>() ?? "string", c["jsonPath"]!.GetValue<string>()))
                    .ToList(),
                SelectableFields = (version["selectableFields"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(f => f["jsonPath"]!.GetValue<string>().TrimStart('.')).ToList(),
            });
        }
        var storage = spec["versions"]!.AsArray().OfType<JsonObject>().FirstOrDefault(v => v["storage"]?.GetValue<bool>() == true)?["name"]?.GetValue<string>();
        return new LoadedCrd(crd, types, storage ?? types[0].Version);
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) => node is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : [];

    /// <summary>Converts an <c>apiextensions.k8s.io/v1beta1</c> CRD to the v1 form; a v1 CRD is returned as it is.</summary>
    public static JsonObject ToV1(JsonObject crd)
    {
        if (crd["apiVersion"]?.GetValue<string>() != "apiextensions.k8s.io/v1beta1") return crd;
        var v1 = (JsonObject)crd.DeepClone();
        v1["apiVersion"] = "apiextensions.k8s.io/v1";
        var spec = v1["spec"]!.AsObject();
        var topSchema = spec["validation"]?["openAPIV3Schema"];
        var topSubresources = spec["subresources"];
        var topColumns = spec["additionalPrinterColumns"];
        var versions = spec["versions"] as JsonArray;
        if (versions is null)
        {
            versions = [new JsonObject { ["name"] = spec["version"]!.GetValue<string>(), ["served"] = true, ["storage"] = true }];
            spec["versions"] = versions;
        }
        foreach (var version in versions.OfType<JsonObject>())
        {
            if (version["schema"] is null && topSchema is not null) version["schema"] = new JsonObject { ["openAPIV3Schema"] = topSchema.DeepClone() };
            if (version["subresources"] is null && topSubresources is not null) version["subresources"] = topSubresources.DeepClone();
            if (version["additionalPrinterColumns"] is null && topColumns is not null) version["additionalPrinterColumns"] = topColumns.DeepClone();
            if (version["additionalPrinterColumns"] is JsonArray columns)
                foreach (var column in columns.OfType<JsonObject>())
                    if (column["JSONPath"] is { } path)
                    {
                        column.Remove("JSONPath");
                        column["jsonPath"] = path.DeepClone();
                    }
        }
        foreach (var old in new[] { "validation", "subresources", "additionalPrinterColumns", "version" }) spec.Remove(old);
        return v1;
    }
}
