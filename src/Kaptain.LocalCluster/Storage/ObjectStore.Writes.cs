using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Json;
using Kaptain.LocalCluster.Schema;

namespace Kaptain.LocalCluster.Storage;

/// <summary>Creating, updating and patching objects: defaults, validation, generation, the namespace's initial content.</summary>
public sealed partial class ObjectStore
{
    // ---------------------------------------------------------------- writes

    /// <summary>
    /// Creates an object. <c>metadata.namespace</c> must be set for namespaced types; <c>metadata.generateName</c> is
    /// honoured; status is reset for types with a status subresource; custom resources are defaulted, validated and pruned.
    /// </summary>
    /// <exception cref="ApiException">409 AlreadyExists, 422 Invalid, 404 for a missing namespace, 400 for a mismatched kind.</exception>
    public JsonObject Create(ResourceType type, JsonObject obj, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        var candidate = (JsonObject)obj.DeepClone();
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            result = CreateLocked(type, candidate, options);
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    /// <summary>
    /// Replaces an object (PUT). A non-empty <c>metadata.resourceVersion</c> must equal the stored one (else 409
    /// Conflict); custom resources require it. For types with a status subresource the stored status is kept.
    /// Removing the last finalizer of an object with <c>deletionTimestamp</c> removes the object.
    /// </summary>
    /// <exception cref="ApiException">404, 409 Conflict, 422 Invalid.</exception>
    public JsonObject Update(ResourceType type, JsonObject obj, WriteOptions? options = null) => Write(type, obj, status: false, options);

    /// <summary>Replaces only the status of an object (PUT on <c>/status</c>); everything else is kept as stored.</summary>
    /// <exception cref="ApiException">404, 409 Conflict, 422 Invalid.</exception>
    public JsonObject UpdateStatus(ResourceType type, JsonObject obj, WriteOptions? options = null) => Write(type, obj, status: true, options);

    /// <summary>
    /// Patches an object (PATCH on the object, or on <c>/status</c> when <paramref name="statusSubresource"/>). An
    /// <see cref="PatchKind.Apply"/> patch creates the object when it does not exist.
    /// </summary>
    /// <exception cref="ApiException">404, 409, 415 (strategic merge on a custom resource), 422.</exception>
    public JsonObject Patch(ResourceType type, string? ns, string name, PatchKind kind, JsonNode patch, bool statusSubresource = false, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        if (kind == PatchKind.StrategicMerge && type.IsCustomResource)
            throw StatusErrors.UnsupportedMediaType("application/strategic-merge-patch+json");
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            var entry = Find(type, ns, name);
            if (entry is null)
            {
                if (kind != PatchKind.Apply || statusSubresource) throw StatusErrors.NotFound(type, name);
                if (patch is not JsonObject applied) throw StatusErrors.BadRequest("the apply configuration must be an object");
                var toCreate = (JsonObject)applied.DeepClone();
                var meta = Metadata(toCreate);
                meta["name"] ??= name;
                if (type.Namespaced) meta["namespace"] ??= ns;
                result = CreateLocked(type, toCreate, options with { IsApply = true, AppliedConfiguration = applied });
            }
            else
            {
                var current = Present(type, entry.Object);
                JsonNode? patched = kind switch
                {
                    PatchKind.Merge => MergePatch.Apply(current, patch),
                    PatchKind.Json => JsonPatchDocument.Apply(current, patch as JsonArray ?? throw StatusErrors.BadRequest("a json patch must be an array")),
                    PatchKind.StrategicMerge => StrategicMergePatch.Apply(current, patch),
                    PatchKind.Apply => ServerSideApply(type, current, patch, options),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                };
                if (patched is not JsonObject patchedObject) throw StatusErrors.BadRequest("the patch did not produce an object");
                // A patch without a resourceVersion is unconditional: it applies to the version it was applied to.
                var patchedMeta = Metadata(patchedObject);
                if (patchedMeta["resourceVersion"] is null) patchedMeta["resourceVersion"] = ResourceVersionOf(entry.Object);
                result = WriteLocked(type, patchedObject, statusSubresource, kind == PatchKind.Apply ? options with { IsApply = true } : options);
            }
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    /// <summary>
    /// Reads the object, lets <paramref name="mutate"/> change it, and writes it back in one step (no conflict is
    /// possible). Returns the written object, or the unchanged object when <paramref name="mutate"/> returns false.
    /// Convenient for controllers: <c>store.Mutate(jobType, ns, name, job => { job["status"] = ...; return true; }, status: true)</c>.
    /// </summary>
    /// <exception cref="ApiException">404, 422.</exception>
    public JsonObject Mutate(ResourceType type, string? ns, string name, Func<JsonObject, bool> mutate, bool status = false)
    {
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            var entry = Find(type, ns, name) ?? throw StatusErrors.NotFound(type, name);
            var copy = Present(type, entry.Object);
            if (!mutate(copy)) return Present(type, entry.Object);
            Metadata(copy)["resourceVersion"] = ResourceVersionOf(entry.Object);
            result = WriteLocked(type, copy, status, WriteOptions.Default);
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    // ---------------------------------------------------------------- core (under the lock)

    private JsonObject CreateLocked(ResourceType type, JsonObject obj, WriteOptions options)
    {
        CheckTypeOf(type, obj);
        var meta = Metadata(obj);
        var ns = type.Namespaced ? meta["namespace"]?.GetValue<string>() : null;
        if (type.Namespaced && string.IsNullOrEmpty(ns)) throw StatusErrors.BadRequest("the namespace of the object must be set");
        if (!type.Namespaced) meta.Remove("namespace");
        var name = meta["name"]?.GetValue<string>();
        var generateName = meta["generateName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(generateName))
            throw StatusErrors.Invalid(type, "", "metadata.name", "FieldValueRequired", "Required value: name or generateName is required");
        if (string.IsNullOrEmpty(name))
        {
            do name = generateName + RandomSuffix(); while (Find(type, ns, name) is not null);
            meta["name"] = name;
        }
        if (ns is not null && type != BuiltInResources.Namespace)
        {
            var nsEntry = Find(BuiltInResources.Namespace, null, ns) ?? throw StatusErrors.NotFound(BuiltInResources.Namespace, ns);
            if (DeletionTimestamp(nsEntry.Object) is not null)
                throw StatusErrors.Forbidden(type, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }

        // Server-managed fields: whatever the client sent is replaced.
        foreach (var field in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields" })
            meta.Remove(field);
        if (type.HasStatusSubresource) obj.Remove("status");
        meta["uid"] = Guid.NewGuid().ToString();
        ObjectDefaults.ForCreate(type, obj);
        Validate(type, obj, name, options);
        if (options.IsApply) RecordApplyCreate(type, obj, options.AppliedConfiguration ?? obj, options);
        else RecordUpdate(type, null, obj, options);
        if (Find(type, ns, name) is not null) throw StatusErrors.AlreadyExists(type, name);

        meta["creationTimestamp"] = Now();
        if (type.TracksGeneration) meta["generation"] = 1;
        if (options.DryRun)
        {
            meta["resourceVersion"] = null;
            meta.Remove("resourceVersion");
            return Present(type, obj);
        }
        meta["resourceVersion"] = NextResourceVersion();
        var entry = new Entry(StorageType(type), obj);
        Table(type)[Key(ns, name)] = entry;
        _byUid[Uid(obj)] = entry;
        Record(WatchEventType.Added, entry, null);
        if (type.StorageKey == BuiltInResources.Namespace.StorageKey)
        {
            CreateDefaultServiceAccount(name);
            CreateRootCaConfigMap(name);
        }
        CollectGarbage();
        return Present(type, obj);
    }

    /// <summary>
    /// Every namespace gets the <c>kube-root-ca.crt</c> ConfigMap (the cluster CA), as kube-controller-manager's
    /// root-ca-cert-publisher makes it (on by default since v1.20). The stand-in serves plain HTTP, so its "CA" is a
    /// certificate made for this store only.
    /// </summary>
    private void CreateRootCaConfigMap(string ns)
    {
        if (Find(BuiltInResources.ConfigMap, ns, "kube-root-ca.crt") is not null) return;
        CreateLocked(BuiltInResources.ConfigMap, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["namespace"] = ns },
            ["data"] = new JsonObject { ["ca.crt"] = _rootCa.Value },
        }, WriteOptions.Default);
    }

    private static string NewRootCa()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=kaptain-local-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
        return certificate.ExportCertificatePem() + "\n";
    }

    /// <summary>Every namespace gets a <c>default</c> ServiceAccount, as the service account controller makes.</summary>
    private void CreateDefaultServiceAccount(string ns)
    {
        if (Find(BuiltInResources.ServiceAccount, ns, "default") is not null) return;
        CreateLocked(BuiltInResources.ServiceAccount, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } }, WriteOptions.Default);
    }

    private JsonObject Write(ResourceType type, JsonObject obj, bool status, WriteOptions? options)
    {
        options ??= WriteOptions.Default;
        var candidate = (JsonObject)obj.DeepClone();
        List<JsonObject> removed;
        JsonObject result;
        lock (_lock)
        {
            result = WriteLocked(type, candidate, status, options);
            removed = TakeRemovedPods();
        }
        NotifyRemoved(removed);
        return result;
    }

    private JsonObject WriteLocked(ResourceType type, JsonObject obj, bool status, WriteOptions options)
    {
        CheckTypeOf(type, obj);
        var meta = Metadata(obj);
        var name = meta["name"]?.GetValue<string>() ?? throw StatusErrors.Invalid(type, "", "metadata.name", "FieldValueRequired", "Required value: name is required");
        var ns = type.Namespaced ? meta["namespace"]?.GetValue<string>() : null;
        var entry = Find(type, ns, name) ?? throw StatusErrors.NotFound(type, name);
        var old = entry.Object;
        // An apply's managedFields (ServerSideApply computed them); validation would prune them as client input.
        var appliedManagedFields = options.IsApply ? meta["managedFields"]?.DeepClone() : null;
        var rv = meta["resourceVersion"]?.GetValue<string>();
        if (string.IsNullOrEmpty(rv))
        {
            if (type.IsCustomResource)
                throw StatusErrors.Invalid(type, name, "metadata.resourceVersion", "FieldValueInvalid", "Invalid value: 0x0: must be specified for an update");
        }
        else if (rv != ResourceVersionOf(old))
        {
            throw StatusErrors.Conflict(type, name);
        }
        // A uid in the body is a precondition (k8s.io/apiserver registry/generic/registry/store.go Update).
        if (meta["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != Uid(old))
            throw StatusErrors.Conflict(type, name, $"StorageError: invalid object, Code: 4, Key: {StorageKeyPath(type, ns, name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: {uid}, UID in object meta: {Uid(old)}");

        JsonObject updated;
        if (status)
        {
            // A status write changes only status (metav1.ResetObjectMetaForStatus and the strategies' PrepareForUpdate).
            updated = (JsonObject)old.DeepClone();
            if (obj["status"] is { } newStatus) updated["status"] = newStatus.DeepClone();
            else updated.Remove("status");
        }
        else
        {
            updated = obj;
            var newMeta = Metadata(updated);
            var oldMeta = Metadata(old);
            foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                if (oldMeta[field] is { } value) newMeta[field] = value.DeepClone();
                else newMeta.Remove(field);
            }
            newMeta.Remove("selfLink");
            // The managedFields a client sends back are not taken (the real server would take a changed list as a
            // reset); they are the server's record, computed below. An apply brings its own.
            if (!options.IsApply) newMeta.Remove("managedFields");
            if (!options.IsApply && oldMeta["managedFields"] is { } kept) newMeta["managedFields"] = kept.DeepClone();
            if (type.Namespaced) newMeta["namespace"] = ns;
            if (type.HasStatusSubresource)
            {
                if (old["status"] is { } oldStatus) updated["status"] = oldStatus.DeepClone();
                else updated.Remove("status");
            }
            if (DeletionTimestamp(old) is not null)
            {
                var added = Finalizers(updated).Except(Finalizers(old)).ToList();
                if (added.Count > 0)
                    throw StatusErrors.Invalid(type, name, "metadata.finalizers", "FieldValueForbidden", $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{string.Join("\", \"", added)}\"}}");
            }
        }
        ObjectDefaults.ForUpdate(type, updated, old);
        if (!status)
        {
            var immutable = new List<StatusCause>();
            ObjectValidation.ValidateUpdate(type, old, updated, immutable);
            if (immutable.Count > 0) throw StatusErrors.Invalid(type, name, immutable);
        }
        Validate(type, updated, name, options);
        if (options.IsApply) Metadata(updated)["managedFields"] = appliedManagedFields;
        RecordUpdate(type, old, updated, options);
        Metadata(updated)["resourceVersion"] = ResourceVersionOf(old);
        if (type.TracksGeneration && !status && SpecChanged(type, old, updated))
            Metadata(updated)["generation"] = (JsonNumbers.AsLong(Metadata(old)["generation"]) ?? 0) + 1;

        if (JsonNode.DeepEquals(StorageForm(type, updated), old))
            return Present(type, old); // A no-op write does not bump the resourceVersion, as on the real server.
        if (options.DryRun) return Present(type, updated);

        var stored = StorageForm(type, updated);
        Metadata(stored)["resourceVersion"] = NextResourceVersion();
        var previous = entry.Object;
        entry.Object = stored;
        Record(WatchEventType.Modified, entry, previous);
        var result = Present(type, stored);
        if (DeletionTimestamp(stored) is not null && Finalizers(stored).Count == 0) Remove(entry);
        CollectGarbage();
        return result;
    }

    private void Validate(ResourceType type, JsonObject obj, string name, WriteOptions options)
    {
        if (!type.IsCustomResource)
        {
            BuiltInDecoding.Check(type, obj);
            BuiltInPruning.Prune(type, obj);
        }
        var causes = new List<StatusCause>();
        ObjectValidation.ValidateMetadata(type, obj, causes);
        ObjectValidation.ValidateBuiltIn(type, obj, causes);
        if (type.Schema is { } schema)
        {
            var pruned = new List<string>();
            StructuralSchemaValidator.Apply(schema, obj, causes, pruned);
            if (pruned.Count > 0)
            {
                if (string.Equals(options.FieldValidation, "Strict", StringComparison.OrdinalIgnoreCase))
                    throw StatusErrors.BadRequest("strict decoding error: " + string.Join(", ", pruned.Select(p => $"unknown field \"{p}\"")));
                if (!string.Equals(options.FieldValidation, "Ignore", StringComparison.OrdinalIgnoreCase))
                    foreach (var path in pruned) options.Warnings?.Add($"unknown field \"{path}\"");
            }
        }
        if (causes.Count > 0) throw StatusErrors.Invalid(type, name, causes);
    }

    private static bool SpecChanged(ResourceType type, JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o, bool status)
        {
            var copy = (JsonObject)o.DeepClone();
            copy.Remove("metadata");
            copy.Remove("apiVersion");
            if (status) copy.Remove("status");
            return copy;
        }
        return !JsonNode.DeepEquals(Strip(old, type.HasStatusSubresource), Strip(updated, type.HasStatusSubresource));
    }

    private void CheckTypeOf(ResourceType type, JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        var kind = obj["kind"]?.GetValue<string>();
        if (kind is not null && kind != type.Kind)
            throw StatusErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        if (apiVersion is not null && apiVersion != type.ApiVersion)
            throw StatusErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (obj["metadata"] is not JsonObject) obj["metadata"] = new JsonObject();
    }
}
