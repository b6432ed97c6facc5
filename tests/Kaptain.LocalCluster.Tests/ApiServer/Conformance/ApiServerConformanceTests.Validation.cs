using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>Validation the real API server does before it stores anything, and the options it checks.</summary>
public abstract partial class ApiServerConformanceTests
{
    [Fact]
    public async Task Dry_run_with_an_unsupported_value_is_rejected_and_creates_nothing()
    {
        var (admin, ns) = await UseServerAsync();
        var bogus = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps?dryRun=Bogus", ConfigMap("dry"));
        Assert.True(bogus.Code == 422, bogus.ToString());
        Assert.Equal("Invalid", bogus.Reason);
        Assert.Equal("dryRun", bogus.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());
        Assert.Equal(404, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/dry")).Code);

        var dry = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps?dryRun=All", ConfigMap("dry"));
        Assert.True(dry.Code == 201, dry.ToString());
        Assert.Equal(404, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/dry")).Code);
    }

    [Fact]
    public async Task Labels_and_annotations_are_validated()
    {
        var (admin, ns) = await UseServerAsync();
        var badValue = ConfigMap("labels");
        badValue["metadata"]!["labels"] = new JsonObject { ["app"] = "not valid!" };
        var value = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", badValue);
        Assert.True(value.Code == 422, value.ToString());
        Assert.Equal("metadata.labels", value.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());

        var badKey = ConfigMap("keys");
        badKey["metadata"]!["labels"] = new JsonObject { ["-bad/key"] = "x" };
        var key = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", badKey);
        Assert.True(key.Code == 422, key.ToString());
        Assert.Equal("metadata.labels", key.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());

        var longValue = ConfigMap("long");
        longValue["metadata"]!["labels"] = new JsonObject { ["app"] = new string('a', 64) };
        Assert.Equal(422, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", longValue)).Code);

        var annotation = ConfigMap("annotations");
        annotation["metadata"]!["annotations"] = new JsonObject { ["not a key"] = "any value at all!" };
        var annotated = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", annotation);
        Assert.True(annotated.Code == 422, annotated.ToString());
        Assert.Equal("metadata.annotations", annotated.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());

        var fine = ConfigMap("fine");
        fine["metadata"]!["labels"] = new JsonObject { ["kaptain.example.com/model"] = "dev.mnist_v1-2", ["empty"] = "" };
        fine["metadata"]!["annotations"] = new JsonObject { ["kaptain.example.com/note"] = "any value: with spaces!" };
        var ok = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", fine);
        Assert.True(ok.Code == 201, ok.ToString());
    }

    [Fact]
    public async Task A_job_name_over_63_characters_is_rejected_through_its_job_name_label()
    {
        var (admin, ns) = await UseServerAsync();
        var name = new string('j', 64);
        var job = JsonNode.Parse("""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"NAME"},
             "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"main","image":"busybox"}]}}}}
            """.Replace("NAME", name, StringComparison.Ordinal))!;
        var reply = await SendAsync(admin, HttpMethod.Post, $"/apis/batch/v1/namespaces/{ns}/jobs", job);
        Assert.True(reply.Code == 422, reply.ToString());
        Assert.Equal("Invalid", reply.Reason);
        var fields = reply.Body!["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("spec.template.labels", fields);

        job["metadata"]!["name"] = new string('j', 63);
        var ok = await SendAsync(admin, HttpMethod.Post, $"/apis/batch/v1/namespaces/{ns}/jobs", job);
        Assert.True(ok.Code == 201, ok.ToString());
        Assert.Equal(new string('j', 63), ok.Body!["spec"]!["template"]!["metadata"]!["labels"]!["job-name"]!.GetValue<string>());

        var longConfigMap = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap(new string('c', 254)));
        Assert.True(longConfigMap.Code == 422, longConfigMap.ToString());
        Assert.Equal("metadata.name", longConfigMap.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap(new string('c', 253)))).Code);
    }

    [Fact]
    public async Task A_malformed_quantity_is_a_400_and_requests_above_limits_are_invalid()
    {
        var (admin, ns) = await UseServerAsync();
        static string Pod(string name, string requests, string limits) => """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME"},
             "spec":{"containers":[{"name":"main","image":"busybox","resources":{"requests":{"memory":"REQUESTS"},"limits":{"memory":"LIMITS"}}}]}}
            """.Replace("NAME", name, StringComparison.Ordinal).Replace("REQUESTS", requests, StringComparison.Ordinal).Replace("LIMITS", limits, StringComparison.Ordinal);
        var malformed = await SendTextAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("malformed", "2 GB", "4Gi"));
        Assert.True(malformed.Code == 400, malformed.ToString());
        Assert.Equal("BadRequest", malformed.Reason);
        Assert.Contains("quantities must match the regular expression", malformed.Message, StringComparison.Ordinal);

        var above = await SendTextAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("above", "2Gi", "1Gi"));
        Assert.True(above.Code == 422, above.ToString());
        Assert.Equal("spec.containers[0].resources.requests", above.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());

        var ok = await SendTextAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("ok", "1Gi", "1Gi"));
        Assert.True(ok.Code == 201, ok.ToString());
    }

    [Fact]
    public async Task Secret_data_must_be_base64()
    {
        var (admin, ns) = await UseServerAsync();
        var bad = await SendTextAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets",
            """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"password":"not base64!"}}""");
        Assert.True(bad.Code == 400, bad.ToString());
        Assert.Equal("BadRequest", bad.Reason);
        Assert.Equal(404, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/s")).Code);

        var good = await SendTextAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets",
            """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"password":"c2VjcmV0"},"stringData":{"user":"me"}}""");
        Assert.True(good.Code == 201, good.ToString());
        Assert.Equal("bWU=", good.Body!["data"]!["user"]!.GetValue<string>());
        Assert.Null(good.Body["stringData"]);
    }

    [Fact]
    public async Task An_owner_reference_without_uid_is_invalid()
    {
        var (admin, ns) = await UseServerAsync();
        var owned = ConfigMap("owned");
        owned["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "owner" });
        var reply = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", owned);
        Assert.True(reply.Code == 422, reply.ToString());
        Assert.Equal("metadata.ownerReferences.uid", reply.Body?["details"]?["causes"]?[0]?["field"]?.GetValue<string>());
    }

    [Fact]
    public async Task An_update_whose_uid_does_not_match_is_a_conflict()
    {
        var (admin, ns) = await UseServerAsync();
        var created = (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("uid"))).Body!;
        var uid = created["metadata"]!["uid"]!.GetValue<string>();
        created["metadata"]!["uid"] = "00000000-0000-0000-0000-000000000000";
        var reply = await SendAsync(admin, HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/uid", created);
        Assert.True(reply.Code == 409, reply.ToString());
        Assert.Equal("Conflict", reply.Reason);
        Assert.Equal(
            $"Operation cannot be fulfilled on configmaps \"uid\": StorageError: invalid object, Code: 4, Key: /registry/configmaps/{ns}/uid, ResourceVersion: 0, " +
            $"AdditionalErrorMsg: Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: {uid}",
            reply.Message);
    }

    [Fact]
    public async Task Built_in_kinds_drop_unknown_fields_and_their_list_items_carry_no_kind()
    {
        var (admin, ns) = await UseServerAsync();
        var body = ConfigMap("unknown");
        body["bogus"] = 1;
        body["metadata"]!["bogusMeta"] = "x";
        var created = await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", body);
        Assert.True(created.Code == 201, created.ToString());
        Assert.Null(created.Body!["bogus"]);
        Assert.Null(created.Body["metadata"]!["bogusMeta"]);
        Assert.Equal("ConfigMap", created.Body["kind"]!.GetValue<string>());

        var list = await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.Equal("ConfigMapList", list.Body!["kind"]!.GetValue<string>());
        var item = list.Body["items"]!.AsArray().Single(i => i!["metadata"]!["name"]!.GetValue<string>() == "unknown")!;
        Assert.Null(item["kind"]);
        Assert.Null(item["apiVersion"]);
        Assert.Null(item["bogus"]);

        // Custom resources keep kind and apiVersion in list items.
        var tfjob = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1",
            ["kind"] = "TFJob",
            ["metadata"] = new JsonObject { ["name"] = "t" },
            ["spec"] = new JsonObject { ["tfReplicaSpecs"] = new JsonObject() },
        };
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/apis/kubeflow.org/v1/namespaces/{ns}/tfjobs", tfjob)).Code);
        var tfjobs = await SendAsync(admin, HttpMethod.Get, $"/apis/kubeflow.org/v1/namespaces/{ns}/tfjobs");
        var tfItem = Assert.Single(tfjobs.Body!["items"]!.AsArray())!;
        Assert.Equal("TFJob", tfItem["kind"]!.GetValue<string>());
        Assert.Equal("kubeflow.org/v1", tfItem["apiVersion"]!.GetValue<string>());
    }
}
