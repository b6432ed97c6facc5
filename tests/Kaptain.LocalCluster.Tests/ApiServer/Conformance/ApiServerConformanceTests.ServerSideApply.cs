using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>
/// Field ownership: <c>managedFields</c> after create, update and apply, and server-side apply's conflicts, force,
/// shared ownership and removal of fields no longer applied.
/// </summary>
public abstract partial class ApiServerConformanceTests
{
    private const string ApplyPatch = "application/apply-patch+yaml";

    [Fact]
    public async Task Every_write_records_its_fields_under_its_manager_in_managed_fields()
    {
        var (admin, ns) = await UseServerAsync("ssa");
        var configMaps = $"/api/v1/namespaces/{ns}/configmaps";
        var created = await SendAsync(admin, HttpMethod.Post, $"{configMaps}?fieldManager=creator", ConfigMap("owned"));
        Assert.True(created.Code == 201, created.ToString());
        var createdEntry = Entry(created.Body!, "creator", "Update");
        Assert.Equal("v1", createdEntry["apiVersion"]?.GetValue<string>());
        Assert.Equal("FieldsV1", createdEntry["fieldsType"]?.GetValue<string>());
        Assert.NotNull(createdEntry["time"]);
        Assert.NotNull(createdEntry["fieldsV1"]?["f:data"]?["f:key"]);

        var update = created.Body!.DeepClone().AsObject();
        update["data"]!["second"] = "2";
        var updated = await SendAsync(admin, HttpMethod.Put, $"{configMaps}/owned?fieldManager=updater", update);
        Assert.True(updated.Code == 200, updated.ToString());
        var updaterFields = Entry(updated.Body!, "updater", "Update")["fieldsV1"]!;
        Assert.NotNull(updaterFields["f:data"]?["f:second"]);
        Assert.Null(updaterFields["f:data"]?["f:key"]);

        var applied = await SendAsync(admin, HttpMethod.Patch, $"{configMaps}/owned?fieldManager=applier", Applied("owned", new JsonObject { ["third"] = "3" }), ApplyPatch);
        Assert.True(applied.Code == 200, applied.ToString());
        var applierEntry = Entry(applied.Body!, "applier", "Apply");
        Assert.Equal("v1", applierEntry["apiVersion"]?.GetValue<string>());
        Assert.NotNull(applierEntry["fieldsV1"]?["f:data"]?["f:third"]);
        Assert.Equal(["Apply", "Update", "Update"], ManagedFields(applied.Body!).Select(e => e?["operation"]?.GetValue<string>()));

        // The record is part of the object: GET and list show it.
        var read = await SendAsync(admin, HttpMethod.Get, $"{configMaps}/owned");
        Assert.Equal(3, ManagedFields(read.Body!).Count);
        var list = await SendAsync(admin, HttpMethod.Get, configMaps);
        var item = (list.Body?["items"] as JsonArray)?.Single(i => i?["metadata"]?["name"]?.GetValue<string>() == "owned");
        Assert.Equal(3, ManagedFields(item!.AsObject()).Count);

        // Without fieldManager the manager is the user agent's product (kube-apiserver's prefixFromUserAgent).
        var agent = Client();
        agent.DefaultRequestHeaders.UserAgent.ParseAdd("kaptain-conformance/1.2.3");
        var byAgent = await SendAsync(agent, HttpMethod.Post, configMaps, ConfigMap("by-agent"));
        Assert.True(byAgent.Code == 201, byAgent.ToString());
        Assert.Equal("kaptain-conformance", Assert.Single(ManagedFields(byAgent.Body!))?["manager"]?.GetValue<string>());
    }

    [Fact]
    public async Task An_apply_that_changes_a_field_another_manager_owns_is_a_409_conflict_until_forced()
    {
        var (admin, ns) = await UseServerAsync("ssa");
        var configMaps = $"/api/v1/namespaces/{ns}/configmaps";
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"{configMaps}?fieldManager=creator", ConfigMap("contested"))).Code);

        var conflict = await SendAsync(admin, HttpMethod.Patch, $"{configMaps}/contested?fieldManager=applier", Applied("contested", new JsonObject { ["key"] = "other" }), ApplyPatch);
        Assert.True(conflict.Code == 409, conflict.ToString());
        Assert.Equal("Conflict", conflict.Reason);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"creator\" using v1: .data.key", conflict.Message);
        var cause = Assert.Single(conflict.Body?["details"]?["causes"] as JsonArray ?? []);
        Assert.Equal("FieldManagerConflict", cause?["reason"]?.GetValue<string>());
        Assert.Equal("conflict with \"creator\" using v1", cause?["message"]?.GetValue<string>());
        Assert.Equal(".data.key", cause?["field"]?.GetValue<string>());
        Assert.Equal("value", (await SendAsync(admin, HttpMethod.Get, $"{configMaps}/contested")).Body?["data"]?["key"]?.GetValue<string>());

        // Between appliers the other is named without an apiVersion.
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Patch, $"{configMaps}/second?fieldManager=first", Applied("second", new JsonObject { ["a"] = "1", ["b"] = "1" }), ApplyPatch)).Code);
        var two = await SendAsync(admin, HttpMethod.Patch, $"{configMaps}/second?fieldManager=other", Applied("second", new JsonObject { ["a"] = "2", ["b"] = "2" }), ApplyPatch);
        Assert.True(two.Code == 409, two.ToString());
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"first\":\n- .data.a\n- .data.b", two.Message);
        Assert.Equal(2, (two.Body?["details"]?["causes"] as JsonArray)?.Count);

        var forced = await SendAsync(admin, HttpMethod.Patch, $"{configMaps}/contested?fieldManager=applier&force=true", Applied("contested", new JsonObject { ["key"] = "other" }), ApplyPatch);
        Assert.True(forced.Code == 200, forced.ToString());
        Assert.Equal("other", forced.Body?["data"]?["key"]?.GetValue<string>());
        Assert.NotNull(Entry(forced.Body!, "applier", "Apply")["fieldsV1"]?["f:data"]?["f:key"]);
        // The creator lost the field (and, owning nothing else, its entry).
        Assert.DoesNotContain(ManagedFields(forced.Body!), e => e?["manager"]?.GetValue<string>() == "creator" && e["fieldsV1"]?["f:data"]?["f:key"] is not null);

        // A keyed list element's field names its key: containers by name.
        var deployments = $"/apis/apps/v1/namespaces/{ns}/deployments";
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Patch, $"{deployments}/web?fieldManager=first", Deployment("web", "nginx:1"), ApplyPatch)).Code);
        var image = await SendAsync(admin, HttpMethod.Patch, $"{deployments}/web?fieldManager=other", Deployment("web", "nginx:2"), ApplyPatch);
        Assert.True(image.Code == 409, image.ToString());
        Assert.Equal("Apply failed with 1 conflict: conflict with \"first\": .spec.template.spec.containers[name=\"web\"].image", image.Message);
    }

    [Fact]
    public async Task Applying_the_value_another_manager_applied_shares_the_field_and_a_field_goes_when_nobody_applies_it()
    {
        var (admin, ns) = await UseServerAsync("ssa");
        var path = $"/api/v1/namespaces/{ns}/configmaps/shared";
        var first = await SendAsync(admin, HttpMethod.Patch, $"{path}?fieldManager=first", Applied("shared", new JsonObject { ["key"] = "value", ["own"] = "1" }), ApplyPatch);
        Assert.True(first.Code == 201, first.ToString());
        var second = await SendAsync(admin, HttpMethod.Patch, $"{path}?fieldManager=second", Applied("shared", new JsonObject { ["key"] = "value" }), ApplyPatch);
        Assert.True(second.Code == 200, second.ToString());
        Assert.NotNull(Entry(second.Body!, "first", "Apply")["fieldsV1"]?["f:data"]?["f:key"]);
        Assert.NotNull(Entry(second.Body!, "second", "Apply")["fieldsV1"]?["f:data"]?["f:key"]);

        // The first stops applying both fields: its own goes, the shared one stays (the second still applies it).
        var dropped = await SendAsync(admin, HttpMethod.Patch, $"{path}?fieldManager=first", Applied("shared", new JsonObject { ["mine"] = "2" }), ApplyPatch);
        Assert.True(dropped.Code == 200, dropped.ToString());
        var data = dropped.Body?["data"]?.AsObject();
        Assert.Equal("value", data?["key"]?.GetValue<string>());
        Assert.Equal("2", data?["mine"]?.GetValue<string>());
        Assert.False(data?.ContainsKey("own"), dropped.ToString());

        // Now the second stops applying it too: nobody owns it, so it goes.
        var gone = await SendAsync(admin, HttpMethod.Patch, $"{path}?fieldManager=second", Applied("shared", new JsonObject { ["other"] = "3" }), ApplyPatch);
        Assert.True(gone.Code == 200, gone.ToString());
        Assert.False(gone.Body?["data"]?.AsObject().ContainsKey("key"), gone.ToString());
        Assert.Equal("2", gone.Body?["data"]?["mine"]?.GetValue<string>());
    }

    [Fact]
    public async Task An_apply_needs_a_field_manager_and_force_is_only_for_apply()
    {
        var (admin, ns) = await UseServerAsync("ssa");
        var path = $"/api/v1/namespaces/{ns}/configmaps/anonymous";
        var missing = await SendAsync(admin, HttpMethod.Patch, path, Applied("anonymous", new JsonObject { ["key"] = "value" }), ApplyPatch);
        Assert.True(missing.Code == 422, missing.ToString());
        Assert.Equal("Invalid", missing.Reason);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", missing.Message);
        Assert.Equal(404, (await SendAsync(admin, HttpMethod.Get, path)).Code);

        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("anonymous"))).Code);
        var force = await SendAsync(admin, HttpMethod.Patch, $"{path}?force=true", new JsonObject { ["data"] = new JsonObject { ["key"] = "x" } }, "application/merge-patch+json");
        Assert.True(force.Code == 422, force.ToString());
        Assert.Equal("force", force.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());
    }

    private static JsonObject Applied(string name, JsonObject data) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = data,
    };

    private static JsonObject Deployment(string name, string image) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = image }),
                },
            },
        },
    };

    private static List<JsonNode?> ManagedFields(JsonNode obj) => (obj["metadata"]?["managedFields"] as JsonArray ?? []).ToList();

    private static JsonObject Entry(JsonNode obj, string manager, string operation) =>
        ManagedFields(obj).OfType<JsonObject>().SingleOrDefault(e => e["manager"]?.GetValue<string>() == manager && e["operation"]?.GetValue<string>() == operation)
        ?? throw new Xunit.Sdk.XunitException($"no {operation} entry of {manager} in {obj["metadata"]?["managedFields"]?.ToJsonString()}");
}
