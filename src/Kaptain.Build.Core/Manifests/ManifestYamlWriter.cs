using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kaptain.Build.Manifests;

/// <summary>
/// Writes resources as one multi-document YAML text, exactly as KubernetesClient would send them, with the values of
/// every Secret replaced by a redacted placeholder (rendered files never hold credentials).
/// </summary>
public static partial class ManifestYamlWriter
{
    private static readonly string RedactedBase64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(SecretValues.Redacted));

    /// <summary>The YAML of <paramref name="resources"/>, one document each, in order, LF line endings.</summary>
    public static string Write(IEnumerable<IKubernetesObject<V1ObjectMeta>> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings(2, int.MaxValue, false, 1024, false, false, "\n"));
        emitter.Emit(new StreamStart());
        foreach (var resource in resources)
        {
            var node = JsonNode.Parse(KubernetesJson.Serialize(resource))!.AsObject();
            if (resource.Kind == "Secret")
            {
                Redact(node);
            }

            emitter.Emit(new DocumentStart(null, null, isImplicit: false));
            Emit(emitter, node);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }

        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Redact(JsonObject secret)
    {
        foreach (var field in new[] { "data", "stringData" })
        {
            if (secret[field] is JsonObject values)
            {
                foreach (var key in values.Select(p => p.Key).ToList())
                {
                    if (key == DockerConfigJsonKey)
                    {
                        var text = values[key]?.GetValue<string>();
                        var redacted = RedactDockerConfig(field == "data" && text is not null ? Decode(text) : text);
                        values[key] = field == "data" ? Convert.ToBase64String(Encoding.UTF8.GetBytes(redacted)) : redacted;
                        continue;
                    }

                    values[key] = field == "data" ? RedactedBase64 : SecretValues.Redacted;
                }
            }
        }
    }

    /// <summary>The key of a <c>kubernetes.io/dockerconfigjson</c> Secret.</summary>
    internal const string DockerConfigJsonKey = ".dockerconfigjson";

    /// <summary>
    /// A docker config with every value under <c>auths</c> replaced by the placeholder, the registry names kept: the
    /// API server validates a <c>kubernetes.io/dockerconfigjson</c> Secret's value as that JSON (kubernetes/kubernetes
    /// pkg/apis/core/validation ValidateSecret: "must be valid JSON"), so a bare placeholder would be rejected.
    /// </summary>
    internal static string RedactDockerConfig(string? json)
    {
        var auths = new JsonObject();
        try
        {
            if (json is not null && JsonNode.Parse(json)?["auths"] is JsonObject found)
            {
                foreach (var (registry, entry) in found)
                {
                    var redacted = new JsonObject();
                    foreach (var (name, _) in entry as JsonObject ?? [])
                    {
                        redacted[name] = SecretValues.Redacted;
                    }

                    auths[registry] = redacted;
                }
            }
        }
        catch (JsonException)
        {
            // Not a docker config: the placeholder structure without entries.
        }

        return new JsonObject { ["auths"] = auths }.ToJsonString();
    }

    private static string? Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        EmitString(emitter, value.GetValue<string>());
                        break;
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                    case JsonValueKind.Number:
                        emitter.Emit(new Scalar(null, null, value.ToJsonString(), ScalarStyle.Plain, true, false));
                        break;
                    default:
                        emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                        break;
                }

                break;
        }
    }

    // A plain scalar that a YAML reader would take for a number, a boolean or null must be quoted to stay a string.
    private static void EmitString(IEmitter emitter, string text)
    {
        var style = text.Length == 0 || LooksLikeOtherType().IsMatch(text) || text.Contains('\n', StringComparison.Ordinal)
            ? ScalarStyle.DoubleQuoted
            : ScalarStyle.Any;
        emitter.Emit(new Scalar(null, null, text, style, true, true));
    }

    [GeneratedRegex(@"^(?i:y|n|yes|no|true|false|on|off|null|~|[-+]?(\.inf|\.nan)|[-+]?(0x[0-9a-f_]+|0o?[0-7_]+|[0-9][0-9_]*(\.[0-9_]*)?([e][-+]?[0-9]+)?|\.[0-9_]+([e][-+]?[0-9]+)?|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?))$")]
    private static partial Regex LooksLikeOtherType();
}
