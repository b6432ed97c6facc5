using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Operators;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>A container's environment resolved from literal values, Secrets and ConfigMaps, as the kubelet resolves it;
/// or why it cannot be (<see cref="Problem"/>), which keeps the container from starting.</summary>
/// <param name="Variables">The resolved variables.</param>
/// <param name="Problem">The kubelet's message when a referenced Secret, ConfigMap or key is missing, else null.</param>
internal sealed record ContainerEnvironment(IReadOnlyDictionary<string, string> Variables, string? Problem)
{
    /// <summary>Resolves the <c>env</c> of <paramref name="container"/> in namespace <paramref name="ns"/>.</summary>
    public static ContainerEnvironment Resolve(IClusterApi store, string ns, JsonNode? container)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in (container?["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = ObjectFields.Text(env["name"]) ?? string.Empty;
            if (ObjectFields.Text(env["value"]) is { } value)
            {
                variables[name] = value;
                continue;
            }

            var secretRef = env["valueFrom"]?["secretKeyRef"];
            var reference = secretRef ?? env["valueFrom"]?["configMapKeyRef"];
            if (reference is null)
            {
                continue;
            }

            var isSecret = secretRef is not null;
            var source = ObjectFields.Text(reference["name"]) ?? string.Empty;
            var key = ObjectFields.Text(reference["key"]) ?? string.Empty;
            var optional = reference["optional"] is JsonValue o && o.TryGetValue<bool>(out var isOptional) && isOptional;
            var data = isSecret ? SecretData(store, ns, source) : ConfigMapData(store, ns, source);
            if (data is null)
            {
                if (!optional)
                {
                    return new ContainerEnvironment(variables, $"{(isSecret ? "secret" : "configmap")} \"{source}\" not found");
                }

                continue;
            }

            if (data.TryGetValue(key, out var resolved))
            {
                variables[name] = resolved;
            }
            else if (!optional)
            {
                return new ContainerEnvironment(variables, $"couldn't find key {key} in {(isSecret ? "Secret" : "ConfigMap")} {ns}/{source}");
            }
        }

        return new ContainerEnvironment(variables, null);
    }

    /// <summary>A Secret's data decoded, or null when the Secret does not exist.</summary>
    public static Dictionary<string, string>? SecretData(IClusterApi store, string ns, string name)
    {
        var secret = store.TryGet(BuiltInResources.Secret, ns, name);
        if (secret is null)
        {
            return null;
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in ObjectFields.StringMap(secret["data"]))
        {
            try
            {
                data[key] = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                // Not base64: the API server would have refused it; skip rather than guess.
            }
        }

        foreach (var (key, value) in ObjectFields.StringMap(secret["stringData"]))
        {
            data[key] = value;
        }

        return data;
    }

    private static Dictionary<string, string>? ConfigMapData(IClusterApi store, string ns, string name) =>
        store.TryGet(BuiltInResources.ConfigMap, ns, name) is { } configMap
            ? new Dictionary<string, string>(ObjectFields.StringMap(configMap["data"]), StringComparer.Ordinal)
            : null;
}
