using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>Custom resources are validated and pruned against their CRD's openAPIV3Schema.</summary>
public sealed class SchemaValidationTests
{
    [Fact]
    public async Task An_invalid_tfjob_is_rejected_with_422_and_the_field_path()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (code, status, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/kubeflow.org/v1/namespaces/default/tfjobs", Manifests.TfJob("bad", replicas: "two"));
        Assert.Equal(422, code);
        Assert.Equal("Invalid", status!["reason"]!.GetValue<string>());
        Assert.Equal("TFJob", status["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("kubeflow.org", status["details"]!["group"]!.GetValue<string>());
        var cause = Assert.Single(status["details"]!["causes"]!.AsArray());
        Assert.Equal("spec.tfReplicaSpecs.Worker.replicas", cause!["field"]!.GetValue<string>());
        Assert.Equal("FieldValueTypeInvalid", cause["reason"]!.GetValue<string>());
        Assert.Null(cluster.Server.Store.TryGet(cluster.Server.Store.Resources.Get("kubeflow.org/v1", "TFJob"), "default", "bad"));
    }

    [Fact]
    public async Task A_pytorchjob_with_a_wrong_type_and_a_missing_required_field_is_rejected_with_each_path()
    {
        await using var cluster = await TestCluster.StartAsync();
        var job = JsonNode.Parse("""
            {"apiVersion":"kubeflow.org/v1","kind":"PyTorchJob","metadata":{"name":"pt","namespace":"default"},
             "spec":{"pytorchReplicaSpecs":{"Master":{"replicas":"one","restartPolicy":"Sometimes",
               "template":{"spec":{"containers":[{"image":"pytorch"}]}}}}}}
            """)!;
        var (code, status, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/kubeflow.org/v1/namespaces/default/pytorchjobs", job);
        Assert.Equal(422, code);
        var causes = status!["details"]!["causes"]!.AsArray().Select(c => (c!["field"]!.GetValue<string>(), c["reason"]!.GetValue<string>())).ToList();
        Assert.Contains(("spec.pytorchReplicaSpecs.Master.replicas", "FieldValueTypeInvalid"), causes);
        Assert.Contains(("spec.pytorchReplicaSpecs.Master.template.spec.containers[0].name", "FieldValueRequired"), causes);
    }

    [Fact]
    public async Task Unknown_fields_are_pruned_with_a_warning_or_rejected_when_strict()
    {
        await using var cluster = await TestCluster.StartAsync();
        var job = Manifests.TfJob("pruned");
        job["spec"]!["notAField"] = "x";
        var (code, created, response) = await cluster.SendAsync(HttpMethod.Post, "/apis/kubeflow.org/v1/namespaces/default/tfjobs", job);
        Assert.Equal(201, code);
        Assert.Null(created!["spec"]!["notAField"]);
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("spec.notAField", StringComparison.Ordinal));

        job["metadata"]!["name"] = "strict";
        var (strictCode, status, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/kubeflow.org/v1/namespaces/default/tfjobs?fieldValidation=Strict", job);
        Assert.Equal(400, strictCode);
        Assert.Equal("BadRequest", status!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Schema_defaults_are_applied_and_int_or_string_accepts_both()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var tfjob = store.Resources.Get("kubeflow.org/v1", "TFJob");
        var job = Manifests.TfJob("defaults");
        job["spec"]!["tfReplicaSpecs"]!["Worker"]!["template"]!["spec"]!["containers"]![0]!["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = 1, ["memory"] = "1Gi" } };
        job["spec"]!["runPolicy"] = new JsonObject();
        var created = store.Create(tfjob, job);
        Assert.Equal(1, created["spec"]!["tfReplicaSpecs"]!["Worker"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["cpu"]!.GetValue<int>());
        Assert.False(created["spec"]!["runPolicy"]!["suspend"]!.GetValue<bool>()); // the CRD's default
    }

    [Fact]
    public async Task The_legacy_kfserving_crd_is_served_with_the_protocol_patch()
    {
        await using var cluster = await TestCluster.StartAsync();
        var isvc = JsonNode.Parse("""
            {"apiVersion":"serving.kubeflow.org/v1beta1","kind":"InferenceService","metadata":{"name":"m","namespace":"default"},
             "spec":{"predictor":{"containers":[{"name":"kfserving-container","image":"img","ports":[{"containerPort":8080}]}]}}}
            """)!;
        var (code, status, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/serving.kubeflow.org/v1beta1/namespaces/default/inferenceservices", isvc);
        Assert.Equal(422, code);
        Assert.Contains(status!["details"]!["causes"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "spec.predictor.containers[0].ports[0].protocol");

        isvc["spec"]!["predictor"]!["containers"]![0]!["ports"]![0]!["protocol"] = "TCP";
        var (okCode, _, _) = await cluster.SendAsync(HttpMethod.Post, "/apis/serving.kubeflow.org/v1beta1/namespaces/default/inferenceservices", isvc);
        Assert.Equal(201, okCode);
        var (v1alpha2, old, _) = await cluster.SendAsync(HttpMethod.Get, "/apis/serving.kubeflow.org/v1alpha2/namespaces/default/inferenceservices/m");
        Assert.Equal(200, v1alpha2);
        Assert.Equal("serving.kubeflow.org/v1alpha2", old!["apiVersion"]!.GetValue<string>());
    }
}
