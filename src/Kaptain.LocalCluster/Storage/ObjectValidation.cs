using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Storage;

/// <summary>
/// The validation the real server applies to every object's metadata (names, labels) and the few required fields of
/// the built-in kinds that a client can get wrong, with the real field paths and messages.
/// </summary>
internal static partial class ObjectValidation
{
    // k8s.io/apimachinery pkg/api/validation/objectmeta.go and pkg/util/validation/validation.go.
    private const string LabelValueRule = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    private const string QualifiedNameRule = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string SubdomainRule = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelRule = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    public static void ValidateMetadata(ResourceType type, JsonObject obj, List<StatusCause> causes)
    {
        var meta = ObjectStore.Metadata(obj);
        var name = meta["name"]?.GetValue<string>() ?? "";
        if (type.Group == "rbac.authorization.k8s.io")
        {
            // RBAC names are path segments (pkg/apis/rbac/validation ValidateRBACName): "system:discovery" is fine.
            if (name is "" or "." or ".." || name.Contains('/') || name.Contains('%'))
                causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{name}\": may not contain '/' or '%'", "metadata.name"));
        }
        else
        {
            // Namespaces, services and most core kinds need DNS labels; everything else DNS subdomains.
            var label = type == BuiltInResources.Namespace || type == BuiltInResources.Service;
            if (label ? !IsDnsLabel(name) : !IsDnsSubdomain(name))
            {
                var rule = name.Length > (label ? 63 : 253) ? $"must be no more than {(label ? 63 : 253)} characters" : label ? LabelRule : SubdomainRule;
                causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{name}\": {rule}", "metadata.name"));
            }
        }
        ValidateLabels(meta["labels"], "metadata.labels", causes);
        if (meta["annotations"] is JsonObject annotations)
        {
            var total = 0L;
            foreach (var (key, value) in annotations)
            {
                foreach (var problem in QualifiedNameProblems(key.ToLowerInvariant()))
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{key}\": {problem}", "metadata.annotations"));
                if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
                    causes.Add(new StatusCause("FieldValueInvalid", "Invalid value: annotation values must be strings", $"metadata.annotations[{key}]"));
                else
                    total += key.Length + text.Length;
            }
            if (total > 256 * 1024)
                causes.Add(new StatusCause("FieldValueTooLong", $"Too long: must have at most {256 * 1024} bytes", "metadata.annotations"));
        }
        foreach (var reference in (meta["ownerReferences"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            // ValidateOwnerReferences: the path has no index.
            foreach (var (field, what) in new[] { ("apiVersion", "version"), ("kind", "kind"), ("name", "name"), ("uid", "uid") })
            {
                if (string.IsNullOrEmpty(reference[field]?.GetValue<string>()))
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"\": {what} must not be empty", $"metadata.ownerReferences.{field}"));
            }
        }
    }

    /// <summary>Label keys (qualified names) and values (pkg/apis/meta/v1/validation ValidateLabels).</summary>
    public static void ValidateLabels(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (node is not JsonObject labels) return;
        foreach (var (key, value) in labels)
        {
            foreach (var problem in QualifiedNameProblems(key))
                causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{key}\": {problem}", path));
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (text is null)
            {
                causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{value?.ToJsonString()}\": {LabelValueRule}", path));
                continue;
            }
            if (text.Length > 63) causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{text}\": must be no more than 63 characters", path));
            if (text.Length > 0 && !LabelValue().IsMatch(text)) causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{text}\": {LabelValueRule}", path));
        }
    }

    /// <summary>What is wrong with a qualified name (<c>[prefix/]name</c>), as IsQualifiedName words it.</summary>
    private static IEnumerable<string> QualifiedNameProblems(string key)
    {
        var parts = key.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0) yield return "prefix part must be non-empty";
                else if (!IsDnsSubdomain(prefix)) yield return "prefix part " + (prefix.Length > 253 ? "must be no more than 253 characters" : SubdomainRule);
                break;
            default:
                yield return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
                yield break;
        }
        if (name.Length == 0) yield return "name part must be non-empty";
        else if (name.Length > 63) yield return "name part must be no more than 63 characters";
        if (name.Length > 0 && !QualifiedNamePart().IsMatch(name)) yield return QualifiedNameRule;
    }

    public static void ValidateBuiltIn(ResourceType type, JsonObject obj, List<StatusCause> causes)
    {
        if (type == BuiltInResources.Pod)
            ValidatePodSpec(obj["spec"] as JsonObject, "spec", causes);
        else if (type == BuiltInResources.Job)
        {
            var template = obj["spec"]?["template"] as JsonObject;
            // The labels the Job adds to its template (job-name: the Job's name) must be valid label values, so a Job
            // name over 63 characters fails here (pkg/apis/batch/validation ValidateJob, as v1.20 reports it).
            ValidateLabels(template?["metadata"]?["labels"], "spec.template.labels", causes);
            ValidatePodSpec(template?["spec"] as JsonObject, "spec.template.spec", causes);
            var restart = template?["spec"]?["restartPolicy"]?.GetValue<string>();
            if (restart is not ("Never" or "OnFailure"))
                causes.Add(restart is null
                    ? new StatusCause("FieldValueRequired", "Required value: valid values: \"OnFailure\", \"Never\"", "spec.template.spec.restartPolicy")
                    : new StatusCause("FieldValueNotSupported", $"Unsupported value: \"{restart}\": supported values: \"OnFailure\", \"Never\"", "spec.template.spec.restartPolicy"));
        }
        else if (type == BuiltInResources.Secret || type == BuiltInResources.ConfigMap)
        {
            foreach (var field in new[] { "data", "binaryData" })
                foreach (var (key, _) in obj[field] as JsonObject ?? [])
                    if (key.Length == 0 || key.Length > 253 || !ConfigKey().IsMatch(key))
                        causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{key}\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')", $"{field}[{key}]"));
            if (type == BuiltInResources.Secret) ValidateSecretType(obj, causes);
        }
        else if (type == BuiltInResources.Role || type == BuiltInResources.ClusterRole)
        {
            // pkg/apis/rbac/validation ValidatePolicyRule: a rule grants at least one verb (a Role whose last verb of a
            // rule was taken out is refused, 422, not stored as a rule that grants nothing).
            var rules = obj["rules"] as JsonArray ?? [];
            for (var i = 0; i < rules.Count; i++)
                if (rules[i]?["verbs"] is not JsonArray { Count: > 0 })
                    causes.Add(new StatusCause("FieldValueRequired", "Required value: verbs must contain at least one value", $"rules[{i}].verbs"));
        }
        else if (type == BuiltInResources.Deployment)
        {
            ValidatePodSpec(obj["spec"]?["template"]?["spec"] as JsonObject, "spec.template.spec", causes);
            if (obj["spec"]?["selector"] is null)
                causes.Add(new StatusCause("FieldValueRequired", "Required value", "spec.selector"));
        }
    }

    /// <summary>The checks the real server makes on typed Secrets (pkg/apis/core/validation ValidateSecret).</summary>
    private static void ValidateSecretType(JsonObject secret, List<StatusCause> causes)
    {
        var data = secret["data"] as JsonObject ?? [];
        string? Decoded(string key)
        {
            try
            {
                return data[key]?.GetValue<string>() is { } b64 ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64)) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
        void RequireJson(string key)
        {
            if (!data.ContainsKey(key))
            {
                causes.Add(new StatusCause("FieldValueRequired", "Required value", $"data[{key}]"));
                return;
            }
            try
            {
                System.Text.Json.JsonDocument.Parse(Decoded(key) ?? "").Dispose();
            }
            catch (System.Text.Json.JsonException e)
            {
                // The real server redacts the value, and so must we: it holds registry credentials.
                causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"<secret contents redacted>\": {e.Message}", $"data[{key}]"));
            }
        }
        switch (secret["type"]?.GetValue<string>())
        {
            case "kubernetes.io/dockerconfigjson": RequireJson(".dockerconfigjson"); break;
            case "kubernetes.io/dockercfg": RequireJson(".dockercfg"); break;
            case "kubernetes.io/basic-auth":
                if (!data.ContainsKey("username") && !data.ContainsKey("password"))
                    causes.Add(new StatusCause("FieldValueRequired", "Required value", "data[username]"));
                break;
            case "kubernetes.io/tls":
                foreach (var key in new[] { "tls.crt", "tls.key" })
                    if (!data.ContainsKey(key)) causes.Add(new StatusCause("FieldValueRequired", "Required value", $"data[{key}]"));
                break;
        }
    }

    /// <summary>Fields the real server refuses to change on update.</summary>
    public static void ValidateUpdate(ResourceType type, JsonObject old, JsonObject updated, List<StatusCause> causes)
    {
        void Immutable(string path, JsonNode? before, JsonNode? after)
        {
            if (!JsonNode.DeepEquals(before, after))
                causes.Add(new StatusCause("FieldValueInvalid", "Invalid value: field is immutable", path));
        }
        if (type == BuiltInResources.Secret)
        {
            Immutable("type", old["type"] ?? "Opaque", updated["type"] ?? "Opaque");
            if (old["immutable"]?.GetValue<bool>() == true)
            {
                Immutable("data", old["data"], updated["data"]);
                Immutable("immutable", old["immutable"], updated["immutable"]);
            }
        }
        else if (type == BuiltInResources.ConfigMap && old["immutable"]?.GetValue<bool>() == true)
        {
            Immutable("data", old["data"], updated["data"]);
            Immutable("binaryData", old["binaryData"], updated["binaryData"]);
            Immutable("immutable", old["immutable"], updated["immutable"]);
        }
        else if (type == BuiltInResources.Job)
        {
            Immutable("spec.selector", old["spec"]?["selector"], updated["spec"]?["selector"]);
            Immutable("spec.completions", old["spec"]?["completions"], updated["spec"]?["completions"]);
            // The pod template may change only while the Job is suspended; these Jobs never are.
            if (old["spec"]?["suspend"]?.GetValue<bool>() != true)
                Immutable("spec.template", old["spec"]?["template"], updated["spec"]?["template"]);
        }
    }

    private static void ValidatePodSpec(JsonObject? spec, string path, List<StatusCause> causes)
    {
        var containers = spec?["containers"] as JsonArray;
        if (containers is null || containers.Count == 0)
        {
            causes.Add(new StatusCause("FieldValueRequired", "Required value", $"{path}.containers"));
            return;
        }
        for (var i = 0; i < containers.Count; i++)
        {
            var container = containers[i] as JsonObject;
            var name = container?["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name)) causes.Add(new StatusCause("FieldValueRequired", "Required value", $"{path}.containers[{i}].name"));
            else if (!IsDnsLabel(name)) causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')", $"{path}.containers[{i}].name"));
            if (string.IsNullOrEmpty(container?["image"]?.GetValue<string>()))
                causes.Add(new StatusCause("FieldValueRequired", "Required value", $"{path}.containers[{i}].image"));
            // Requests may not exceed limits (pkg/apis/core/validation ValidateResourceRequirements).
            var limits = container?["resources"]?["limits"] as JsonObject;
            foreach (var (resource, request) in container?["resources"]?["requests"] as JsonObject ?? [])
            {
                var requested = request is JsonValue rv && rv.TryGetValue<string>(out var rs) ? Quantity.Parse(rs) : null;
                var limit = limits?[resource] is JsonValue lv && lv.TryGetValue<string>(out var ls) ? Quantity.Parse(ls) : null;
                if (requested is { } r && limit is { } l && r > l)
                    causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{request!.GetValue<string>()}\": must be less than or equal to {resource} limit", $"{path}.containers[{i}].resources.requests"));
            }
        }
    }

    internal static bool IsDnsLabel(string name) => name.Length is > 0 and <= 63 && DnsLabel().IsMatch(name);

    internal static bool IsDnsSubdomain(string name) => name.Length is > 0 and <= 253 && DnsSubdomain().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();
}
