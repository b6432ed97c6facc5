using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Schema;

/// <summary>
/// Drops the fields of a built-in object that its Go type does not have, as kube-apiserver does when it decodes a
/// request into the typed object (v1.20 drops them silently; <c>fieldValidation</c> came in v1.25). The shape of each
/// kind is read from KubernetesClient's models (their <c>[JsonPropertyName]</c> properties), which follow the same
/// OpenAPI types; custom resources are pruned against their CRD schema instead (<see cref="StructuralSchemaValidator"/>).
/// </summary>
internal static class BuiltInPruning
{
    private static readonly Lazy<Dictionary<(string Group, string Version, string Kind), Type>> Models = new(FindModels);
    private static readonly ConcurrentDictionary<Type, Dictionary<string, Type>> Properties = new();

    /// <summary>Removes unknown fields from <paramref name="obj"/> in place (no-op for kinds without a model).</summary>
    public static void Prune(ResourceType type, JsonObject obj)
    {
        if (type.IsCustomResource || type.Group == "apiextensions.k8s.io") return;
        if (!Models.Value.TryGetValue((type.Group, type.Version, type.Kind), out var model)) return;
        PruneObject(obj, model);
    }

    private static void Prune(JsonNode? node, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (node)
        {
            case JsonObject obj when DictionaryValueType(type) is { } valueType:
                foreach (var (_, value) in obj.ToList()) Prune(value, valueType);
                break;
            case JsonObject obj when IsModel(type):
                PruneObject(obj, type);
                break;
            case JsonArray array when ElementType(type) is { } elementType:
                foreach (var item in array) Prune(item, elementType);
                break;
        }
    }

    private static void PruneObject(JsonObject obj, Type model)
    {
        var properties = Properties.GetOrAdd(model, PropertiesOf);
        foreach (var (key, value) in obj.ToList())
        {
            if (!properties.TryGetValue(key, out var propertyType))
            {
                obj.Remove(key);
                continue;
            }
            Prune(value, propertyType);
        }
    }

    private static bool IsModel(Type type) => type.Namespace == typeof(V1Pod).Namespace && type.IsClass && type != typeof(ResourceQuantity) && type != typeof(IntOrString);

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || type == typeof(byte[])) return null;
        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static Dictionary<string, Type> PropertiesOf(Type model) =>
        model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
            .Where(p => p.Name is not null)
            .GroupBy(p => p.Name!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().PropertyType, StringComparer.Ordinal);

    private static Dictionary<(string, string, string), Type> FindModels()
    {
        var models = new Dictionary<(string, string, string), Type>();
        foreach (var type in typeof(V1Pod).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<KubernetesEntityAttribute>() is { } entity && entity.Kind is { Length: > 0 })
                models.TryAdd((entity.Group ?? "", entity.ApiVersion ?? "", entity.Kind), type);
        }
        return models;
    }
}
