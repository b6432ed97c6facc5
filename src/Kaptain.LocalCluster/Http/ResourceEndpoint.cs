using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Auth;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// The REST verbs on a resource path: get, list, create, update (and <c>/status</c>), patch (merge, JSON, strategic,
/// apply), delete and deletecollection, with <c>dryRun</c>, <c>fieldValidation</c> and <c>fieldManager</c>; watch and
/// <c>pods/log</c> are handed to their endpoints.
/// </summary>
internal sealed class ResourceEndpoint(ClusterContext cluster, TokenAuthenticator authenticator)
{
    private readonly SubresourceEndpoint _subresources = new(cluster, authenticator);
    private readonly WatchEndpoint _watch = new(cluster);
    private readonly PodLogEndpoint _logs = new(cluster);

    private ObjectStore Store => cluster.Store;

    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        var method = context.Request.Method;
        var query = context.Request.Query;
        if (path.Subresource is { } sub && sub != "status" && !path.Type.ExtraSubresources.Contains(sub))
            throw StatusErrors.NotFoundPath();
        if (path.Subresource is "binding" or "token")
        {
            await _subresources.HandleAsync(context, path).ConfigureAwait(false);
            return;
        }
        if (path.Subresource == "status" && !path.Type.HasStatusSubresource) throw StatusErrors.NotFoundPath();

        if (path.WatchPrefix || (method == "GET" && path.Name is null && IsTrue(query["watch"])))
        {
            if (method != "GET") throw StatusErrors.MethodNotAllowed($"the server does not allow this method on the requested resource");
            await _watch.HandleAsync(context, path).ConfigureAwait(false);
            return;
        }
        if (path.Subresource == "log")
        {
            await _logs.HandleAsync(context, path).ConfigureAwait(false);
            return;
        }

        if (method is "POST" or "PUT" or "PATCH" or "DELETE" && cluster.BeforeClientWrite is { } hook
            && !context.Request.Headers.UserAgent.ToString().StartsWith(Operators.KubernetesApi.UserAgent, StringComparison.Ordinal))
            hook(new ClientWrite(method, path.Type.Group, path.Type.Plural, path.Namespace, path.Name, path.Subresource));

        switch (method)
        {
            case "GET" when path.Name is null:
                await ListAsync(context, path).ConfigureAwait(false);
                return;
            case "GET":
                await WriteObjectAsync(context, path.Type, Store.Get(path.Type, path.Namespace, path.Name)).ConfigureAwait(false);
                return;
            case "POST" when path.Name is null:
                await CreateAsync(context, path).ConfigureAwait(false);
                return;
            case "PUT" when path.Name is not null:
                await UpdateAsync(context, path).ConfigureAwait(false);
                return;
            case "PATCH" when path.Name is not null:
                await PatchAsync(context, path).ConfigureAwait(false);
                return;
            case "DELETE" when path.Name is not null:
                await DeleteAsync(context, path).ConfigureAwait(false);
                return;
            case "DELETE":
                await DeleteCollectionAsync(context, path).ConfigureAwait(false);
                return;
            default:
                throw StatusErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private async Task ListAsync(HttpContext context, ApiPath path)
    {
        var query = context.Request.Query;
        ValidateResourceVersionMatch(query["resourceVersionMatch"].FirstOrDefault(), query["resourceVersion"].FirstOrDefault(), query["continue"].FirstOrDefault());
        var list = Store.List(path.Type, path.Namespace, query["labelSelector"], query["fieldSelector"]);
        // Exact asks for the state at that version; the store keeps only the current one, so an older version is
        // answered as a compacted one would be (etcd would still have it on the real server).
        if (query["resourceVersionMatch"].FirstOrDefault() == "Exact" && query["resourceVersion"].FirstOrDefault() is { } exact && exact != list.ResourceVersion
            && long.TryParse(exact, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var requested))
            throw StatusErrors.Expired(requested, long.Parse(list.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        var (page, resourceVersion, continueToken, remaining) = Paginate(list, query["limit"], query["continue"]);
        if (TableConverter.WantsTable(context.Request))
        {
            var table = TableConverter.ToTable(path.Type, page, resourceVersion, includeObject: true);
            if (continueToken is not null) table["metadata"]!["continue"] = continueToken;
            await ApiResponses.WriteJsonAsync(context, table).ConfigureAwait(false);
            return;
        }
        var items = new JsonArray();
        foreach (var item in page)
        {
            // Built-in lists are typed lists on the real server: their items carry no kind or apiVersion. Custom
            // resource lists are unstructured and keep them.
            if (!path.Type.IsCustomResource)
            {
                item.Remove("kind");
                item.Remove("apiVersion");
            }
            items.Add(item);
        }
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
            metadata["remainingItemCount"] = remaining;
        }
        var body = new JsonObject
        {
            ["kind"] = path.Type.ListKind,
            ["apiVersion"] = path.Type.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = items,
        };
        await ApiResponses.WriteJsonAsync(context, body).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>limit</c> and <c>continue</c>: a page of the list (ordered by namespace and name) and a token naming the last
    /// item and the list's resourceVersion. Later pages are read from the current state (the real server reads a snapshot).
    /// </summary>
    private static (IReadOnlyList<JsonObject> Page, string ResourceVersion, string? Continue, long Remaining) Paginate(ObjectList list, string? limitText, string? continueText)
    {
        var items = list.Items;
        var resourceVersion = list.ResourceVersion;
        if (!string.IsNullOrEmpty(continueText))
        {
            string after;
            try
            {
                var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(continueText)).Split('\n', 2);
                (resourceVersion, after) = (decoded[0], decoded[1]);
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
            {
                throw StatusErrors.BadRequest("invalid continue token");
            }
            items = items.Where(i => string.CompareOrdinal(Key(i), after) > 0).ToList();
        }
        if (!long.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) || limit <= 0 || items.Count <= limit)
            return (items, resourceVersion, null, 0);
        var page = items.Take((int)limit).ToList();
        var token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(resourceVersion + "\n" + Key(page[^1])));
        return (page, resourceVersion, token, items.Count - page.Count);
    }

    /// <summary>
    /// <c>resourceVersionMatch</c> of a list (k8s.io/apimachinery pkg/apis/meta/internalversion/validation
    /// ValidateListOptions), 422 Invalid as the list handler answers it.
    /// </summary>
    private static void ValidateResourceVersionMatch(string? match, string? resourceVersion, string? continueToken)
    {
        if (string.IsNullOrEmpty(match)) return;
        var listOptions = BuiltInResources.Namespace with { Kind = "ListOptions", Group = "meta.k8s.io" };
        static ApiException Forbidden(ResourceType type, string why) => StatusErrors.Invalid(type, "", "resourceVersionMatch", "FieldValueForbidden", "Forbidden: " + why);
        if (string.IsNullOrEmpty(resourceVersion)) throw Forbidden(listOptions, "resourceVersionMatch is forbidden unless resourceVersion is provided");
        if (!string.IsNullOrEmpty(continueToken)) throw Forbidden(listOptions, "resourceVersionMatch is forbidden when continue is provided");
        if (match is not ("Exact" or "NotOlderThan"))
            throw StatusErrors.Invalid(listOptions, "", "resourceVersionMatch", "FieldValueNotSupported", $"Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
        if (match == "Exact" && resourceVersion == "0") throw Forbidden(listOptions, "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    }

    private static string Key(JsonObject obj) => $"{ObjectStore.Namespace(obj)}/{ObjectStore.Name(obj)}";

    private async Task CreateAsync(HttpContext context, ApiPath path)
    {
        var obj = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
        AlignNamespace(path, obj);
        var options = WriteOptionsOf(context);
        var created = Store.Create(path.Type, obj, options);
        ApiResponses.AddWarnings(context, options.Warnings!);
        await WriteObjectAsync(context, path.Type, created, 201).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, ApiPath path)
    {
        var obj = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
        AlignNamespace(path, obj);
        var bodyName = obj["metadata"]?["name"]?.GetValue<string>();
        if (bodyName is not null && bodyName != path.Name)
            throw StatusErrors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({path.Name})");
        ObjectStore.Metadata(obj)["name"] = path.Name;
        var options = WriteOptionsOf(context);
        var updated = path.Subresource == "status" ? Store.UpdateStatus(path.Type, obj, options) : Store.Update(path.Type, obj, options);
        ApiResponses.AddWarnings(context, options.Warnings!);
        await WriteObjectAsync(context, path.Type, updated).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, ApiPath path)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var kind = contentType switch
        {
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            "application/strategic-merge-patch+json" => PatchKind.StrategicMerge,
            "application/apply-patch+yaml" or "application/apply-patch+json" or "application/apply-patch+cbor" => PatchKind.Apply,
            _ => throw StatusErrors.UnsupportedMediaType(contentType),
        };
        var patch = await RequestBody.ReadAsync(context).ConfigureAwait(false) ?? throw StatusErrors.BadRequest("the patch is empty");
        var options = WriteOptionsOf(context);
        // k8s.io/apimachinery pkg/apis/meta/v1/validation ValidatePatchOptions, answered as 422 Invalid by
        // k8s.io/apiserver pkg/endpoints/handlers/patch.go.
        var patchOptions = BuiltInResources.Namespace with { Kind = "PatchOptions", Group = "meta.k8s.io" };
        if (kind == PatchKind.Apply && string.IsNullOrEmpty(context.Request.Query["fieldManager"].FirstOrDefault()))
            throw StatusErrors.Invalid(patchOptions, "", "fieldManager", "FieldValueRequired", "Required value: is required for apply patch");
        if (kind != PatchKind.Apply && context.Request.Query.ContainsKey("force"))
            throw StatusErrors.Invalid(patchOptions, "", "force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch");
        // An apply that creates the object answers 201, as a create does (k8s.io/apiserver handlers/patch.go).
        var creates = kind == PatchKind.Apply && path.Subresource is null && Store.TryGet(path.Type, path.Namespace, path.Name!) is null;
        var patched = Store.Patch(path.Type, path.Namespace, path.Name!, kind, patch, path.Subresource == "status", options);
        ApiResponses.AddWarnings(context, options.Warnings!);
        await WriteObjectAsync(context, path.Type, patched, creates ? 201 : 200).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, ApiPath path)
    {
        var options = await DeletionOptionsOf(context).ConfigureAwait(false);
        var result = Store.Delete(path.Type, path.Namespace, path.Name!, options);
        ApiResponses.AddWarnings(context, options.Warnings!);
        if (!result.Removed)
        {
            // 200 with the object still there (finalizers, foreground deletion); 202 only when the client asked for
            // orphanDependents=false (k8s.io/apiserver endpoints/handlers/delete.go).
            var orphanFalse = context.Request.Query["orphanDependents"].Any(v => v == "false") || options.OrphanDependentsFalse;
            await WriteObjectAsync(context, path.Type, result.Object, orphanFalse ? 202 : 200).ConfigureAwait(false);
            return;
        }
        // Pods, namespaces and custom resources return the deleted object; the other kinds a Status (ReturnDeletedObject).
        var returnsObject = path.Type.IsCustomResource || path.Type == BuiltInResources.Pod || path.Type == BuiltInResources.Namespace;
        var body = returnsObject ? result.Object : ApiResponses.Success(path, path.Name!, result.Object["metadata"]?["uid"]?.GetValue<string>());
        await ApiResponses.WriteJsonAsync(context, body).ConfigureAwait(false);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ApiPath path)
    {
        var options = await DeletionOptionsOf(context).ConfigureAwait(false);
        var query = context.Request.Query;
        var deleted = Store.DeleteCollection(path.Type, path.Namespace, query["labelSelector"], query["fieldSelector"], options);
        var items = new JsonArray();
        foreach (var item in deleted) items.Add(item);
        await ApiResponses.WriteJsonAsync(context, new JsonObject
        {
            ["kind"] = path.Type.ListKind,
            ["apiVersion"] = path.Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = Store.ResourceVersion },
            ["items"] = items,
        }).ConfigureAwait(false);
    }

    private static async Task WriteObjectAsync(HttpContext context, ResourceType type, JsonObject obj, int statusCode = 200)
    {
        if (TableConverter.WantsTable(context.Request))
        {
            var rv = obj["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";
            await ApiResponses.WriteJsonAsync(context, TableConverter.ToTable(type, [obj], rv, includeObject: true), statusCode).ConfigureAwait(false);
            return;
        }
        await ApiResponses.WriteJsonAsync(context, obj, statusCode).ConfigureAwait(false);
    }

    private static void AlignNamespace(ApiPath path, JsonObject obj)
    {
        if (!path.Type.Namespaced) return;
        var meta = ObjectStore.Metadata(obj);
        var bodyNamespace = meta["namespace"]?.GetValue<string>();
        if (string.IsNullOrEmpty(bodyNamespace)) meta["namespace"] = path.Namespace;
        else if (bodyNamespace != path.Namespace)
            throw StatusErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }

    private static WriteOptions WriteOptionsOf(HttpContext context)
    {
        var query = context.Request.Query;
        return new WriteOptions
        {
            DryRun = DryRunOf(context, query["dryRun"].Select(v => v ?? "").ToList()),
            FieldValidation = query["fieldValidation"].FirstOrDefault(),
            FieldManager = query["fieldManager"].FirstOrDefault() is { Length: > 0 } manager ? manager : ManagerFromUserAgent(context.Request.Headers.UserAgent.ToString()),
            Force = IsTrue(query["force"]),
            Warnings = new List<string>(),
        };
    }

    private static async Task<DeletionOptions> DeletionOptionsOf(HttpContext context)
    {
        var query = context.Request.Query;
        var body = await RequestBody.ReadAsync(context).ConfigureAwait(false) as JsonObject;
        var policyText = query["propagationPolicy"].FirstOrDefault() ?? body?["propagationPolicy"]?.GetValue<string>();
        PropagationPolicy? policy = policyText switch
        {
            null => null,
            "Foreground" => PropagationPolicy.Foreground,
            "Background" => PropagationPolicy.Background,
            "Orphan" => PropagationPolicy.Orphan,
            _ => throw StatusErrors.Invalid(BuiltInResources.Namespace with { Kind = "DeleteOptions", Group = "meta.k8s.io" }, "", "propagationPolicy", "FieldValueNotSupported", $"Unsupported value: \"{policyText}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
        };
        var orphan = query["orphanDependents"].FirstOrDefault() ?? body?["orphanDependents"]?.ToString();
        if (policy is null && orphan is not null) policy = orphan == "true" ? PropagationPolicy.Orphan : PropagationPolicy.Background;
        var dryRun = DryRunOf(context, [.. query["dryRun"].Select(v => v ?? ""), .. (body?["dryRun"] as JsonArray)?.Select(v => v?.GetValue<string>() ?? "") ?? []]);
        return new DeletionOptions
        {
            PropagationPolicy = policy,
            DryRun = dryRun,
            OrphanDependentsFalse = orphan == "false",
            PreconditionUid = body?["preconditions"]?["uid"]?.GetValue<string>(),
            PreconditionResourceVersion = body?["preconditions"]?["resourceVersion"]?.GetValue<string>(),
            Warnings = new List<string>(),
        };
    }

    /// <summary>
    /// <c>dryRun</c>: only <c>All</c> is supported; any other value is 422 before anything is written
    /// (k8s.io/apimachinery pkg/apis/meta/v1/validation ValidateDryRun).
    /// </summary>
    private static bool DryRunOf(HttpContext context, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return false;
        if (values.All(v => v == "All")) return true;
        var options = context.Request.Method switch { "POST" => "CreateOptions", "PUT" => "UpdateOptions", "PATCH" => "PatchOptions", _ => "DeleteOptions" };
        var type = BuiltInResources.Namespace with { Kind = options, Group = "meta.k8s.io" };
        var given = string.Join(", ", values.Select(v => $"\"{v}\""));
        throw StatusErrors.Invalid(type, "", "dryRun", "FieldValueNotSupported", $"Unsupported value: []string{{{given}}}: supported values: \"All\"");
    }

    /// <summary>
    /// The field manager of a write that names none: the user agent up to its first <c>/</c>, printable characters
    /// only, at most 128 (k8s.io/apiserver pkg/endpoints/handlers/rest.go, prefixFromUserAgent).
    /// </summary>
    private static string ManagerFromUserAgent(string userAgent)
    {
        var text = new System.Text.StringBuilder();
        foreach (var rune in userAgent.Split('/')[0].EnumerateRunes())
        {
            if (System.Text.Rune.IsControl(rune) || System.Text.Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Format) continue;
            if (text.Length >= 128) break;
            text.Append(rune.ToString());
        }
        return text.ToString();
    }

    internal static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) => value.Any(v => v is "true" or "1" or "True");
}
