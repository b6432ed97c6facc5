using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

using k8s;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Object identity, optimistic concurrency and the Status error bodies, as the real API server has them.</summary>
public sealed class ApiSemanticsTests
{
    [Fact]
    public async Task An_update_with_a_stale_resource_version_is_a_409_conflict()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (code, created, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg"));
        Assert.Equal(201, code);
        var stale = created!.DeepClone();

        var fresh = created.DeepClone();
        fresh["data"]!["key"] = "changed";
        var (okCode, _, _) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/cfg", fresh);
        Assert.Equal(200, okCode);

        stale["data"]!["key"] = "lost update";
        var (conflictCode, status, _) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/cfg", stale);
        Assert.Equal(409, conflictCode);
        Assert.Equal("Status", status!["kind"]!.GetValue<string>());
        Assert.Equal("v1", status["apiVersion"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(409, status["code"]!.GetValue<int>());
        Assert.Equal("cfg", status["details"]!["name"]!.GetValue<string>());
        Assert.Equal("configmaps", status["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("changed", cluster.Server.Store.Get(BuiltInResources.ConfigMap, "default", "cfg")["data"]!["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Creating_an_existing_name_is_409_already_exists_and_reading_a_missing_one_is_404()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("dup"));
        var (code, status, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("dup"));
        Assert.Equal(409, code);
        Assert.Equal("AlreadyExists", status!["reason"]!.GetValue<string>());

        var (missingCode, missing, _) = await cluster.SendAsync(HttpMethod.Get, "/apis/kubeflow.org/v1/namespaces/default/tfjobs/nope");
        Assert.Equal(404, missingCode);
        Assert.Equal("NotFound", missing!["reason"]!.GetValue<string>());
        Assert.Equal("kubeflow.org", missing["details"]!["group"]!.GetValue<string>());
        Assert.Equal("tfjobs", missing["details"]!["kind"]!.GetValue<string>());

        var (noNamespace, nsStatus, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/absent/configmaps", Manifests.ConfigMap("x", "absent"));
        Assert.Equal(404, noNamespace);
        Assert.Equal("namespaces", nsStatus!["details"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generate_name_makes_unique_names_and_identity_fields_are_set()
    {
        await using var cluster = await TestCluster.StartAsync();
        var template = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["generateName"] = "run-" } };
        var names = new HashSet<string>();
        var versions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var (code, created, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", template);
            Assert.Equal(201, code);
            var name = created!["metadata"]!["name"]!.GetValue<string>();
            Assert.Matches("^run-[a-z0-9]{5}$", name);
            names.Add(name);
            Assert.Matches("^[0-9a-f-]{36}$", created["metadata"]!["uid"]!.GetValue<string>());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", created["metadata"]!["creationTimestamp"]!.GetValue<string>());
            versions.Add(long.Parse(created["metadata"]!["resourceVersion"]!.GetValue<string>()));
        }
        Assert.Equal(5, names.Count);
        Assert.Equal(versions.Order(), versions); // one global counter, increasing

        var (missingName, status, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject() });
        Assert.Equal(422, missingName);
        Assert.Equal("Invalid", status!["reason"]!.GetValue<string>());
        Assert.Equal("metadata.name", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generation_is_bumped_by_spec_changes_only()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var tfjob = store.Resources.Get("kubeflow.org/v1", "TFJob");
        var created = store.Create(tfjob, Manifests.TfJob("gen"));
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());

        var labelled = store.Patch(tfjob, "default", "gen", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}""")!);
        Assert.Equal(1, labelled["metadata"]!["generation"]!.GetValue<long>());

        var respec = store.Patch(tfjob, "default", "gen", PatchKind.Merge, JsonNode.Parse("""{"spec":{"runPolicy":{"backoffLimit":2}}}""")!);
        Assert.Equal(2, respec["metadata"]!["generation"]!.GetValue<long>());

        var same = store.Patch(tfjob, "default", "gen", PatchKind.Merge, JsonNode.Parse("""{"spec":{"runPolicy":{"backoffLimit":2}}}""")!);
        Assert.Equal(respec["metadata"]!["resourceVersion"]!.GetValue<string>(), same["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Discovery_lists_built_in_kinds_and_every_crd()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (_, groups, _) = await cluster.SendAsync(HttpMethod.Get, "/apis");
        var names = groups!["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("batch", names);
        Assert.Contains("apps", names);
        Assert.Contains("kubeflow.org", names);
        Assert.Contains("serving.kserve.io", names);
        Assert.Contains("serving.kubeflow.org", names);
        Assert.Contains("serving.knative.dev", names);

        var (_, kubeflow, _) = await cluster.SendAsync(HttpMethod.Get, "/apis/kubeflow.org/v1");
        var tfjobs = kubeflow!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("tfjobs", tfjobs);
        Assert.Contains("pytorchjobs", tfjobs);
        Assert.Contains("tfjobs/status", tfjobs);

        var (_, legacy, _) = await cluster.SendAsync(HttpMethod.Get, "/apis/serving.kubeflow.org");
        Assert.Equal("v1beta1", legacy!["preferredVersion"]!["version"]!.GetValue<string>());
        Assert.Equal(2, legacy["versions"]!.AsArray().Count);

        var (_, core, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1");
        var coreNames = core!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("pods/log", coreNames);
        Assert.Contains("namespaces", coreNames);

        var (versionCode, version, _) = await cluster.SendAsync(HttpMethod.Get, "/version");
        Assert.Equal(200, versionCode);
        Assert.Equal("1", version!["major"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lists_are_paged_with_limit_and_continue()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        foreach (var name in new[] { "e", "a", "d", "b", "c" }) cluster.Server.Store.Create(BuiltInResources.ConfigMap, Manifests.ConfigMap(name));
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 2, continueParameter: token, cancellationToken: ct);
            Assert.True(page.Items.Count <= 2);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
            token = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(token));
        Assert.Equal(3, pages);
        Assert.Equal(["a", "b", "c", "d", "e", "kube-root-ca.crt"], names);
    }

    [Fact]
    public async Task Built_in_kinds_are_validated_as_the_real_server_does()
    {
        await using var cluster = await TestCluster.StartAsync();
        var dockerConfig = JsonNode.Parse("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"regcred"},"type":"kubernetes.io/dockerconfigjson","data":{"config.json":"e30="}}""")!;
        var (secretCode, secretStatus, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/secrets", dockerConfig);
        Assert.Equal(422, secretCode);
        Assert.Equal("data[.dockerconfigjson]", secretStatus!["details"]!["causes"]![0]!["field"]!.GetValue<string>());

        dockerConfig["data"] = new JsonObject { [".dockerconfigjson"] = Convert.ToBase64String("{\"auths\":{}}"u8.ToArray()) };
        var (okCode, _, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/secrets", dockerConfig);
        Assert.Equal(201, okCode);

        var badKey = Manifests.ConfigMap("keys");
        badKey["data"] = new JsonObject { ["not a key"] = "x" };
        var (keyCode, keyStatus, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", badKey);
        Assert.Equal(422, keyCode);
        Assert.Equal("data[not a key]", keyStatus!["details"]!["causes"]![0]!["field"]!.GetValue<string>());

        var job = JsonNode.Parse("""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
             "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"main","image":"busybox"}]}}}}
            """)!;
        var (jobCode, _, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/batch/v1/namespaces/default/jobs", job);
        Assert.Equal(201, jobCode);
        var (templateCode, templateStatus, _) = await cluster.SendAsync(HttpMethod.Patch, "/apis/batch/v1/namespaces/default/jobs/j",
            JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(422, templateCode);
        Assert.Equal("spec.template", templateStatus!["details"]!["causes"]![0]!["field"]!.GetValue<string>());
        var (restartCode, _, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/batch/v1/namespaces/default/jobs",
            JsonNode.Parse("""{"metadata":{"name":"always"},"spec":{"template":{"spec":{"restartPolicy":"Always","containers":[{"name":"main","image":"busybox"}]}}}}"""));
        Assert.Equal(422, restartCode);
    }
}
