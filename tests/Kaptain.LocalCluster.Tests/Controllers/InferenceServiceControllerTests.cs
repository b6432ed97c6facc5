using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Controllers;

public sealed class InferenceServiceControllerTests(SimulatedCluster cluster, S3Server s3) : IClassFixture<SimulatedCluster>, IClassFixture<S3Server>
{
    private const string Kserve = "serving.kserve.io/v1beta1";
    private const string Knative = "serving.knative.dev/v1";

    [Fact]
    public async Task Serverless_becomes_ready_with_a_knative_service_route_and_revision_and_keeps_old_revisions()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-ok", token);
        await ModelStorageAsync(ns, "isvc-ok", "models/mnist/model.joblib", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("mnist", "s3://isvc-ok/models/mnist", "succeed after=200ms").ToJsonString(), token);

        var ready = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "mnist", i => SimulatedCluster.HasCondition(i, "Ready"), token);

        Assert.Equal($"http://mnist.{ns}.example.com", ready["status"]!["url"]!.GetValue<string>());
        // KServe does not write the InferenceService's generation there (it copies the child's): the stand-in writes none.
        Assert.Null(ready["status"]!["observedGeneration"]);
        Assert.True(SimulatedCluster.HasCondition(ready, "PredictorReady"));
        Assert.Equal("Loaded", ready["status"]!["modelStatus"]!["states"]!["activeModelState"]!.GetValue<string>());
        var ksvc = await cluster.GetAsync(Knative, "services", ns, "mnist-predictor", token);
        Assert.Equal(ready["metadata"]!["uid"]!.GetValue<string>(), ksvc["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        Assert.Equal("mnist-predictor-00001", ksvc["status"]!["latestReadyRevisionName"]!.GetValue<string>());
        var route = await cluster.GetAsync(Knative, "routes", ns, "mnist-predictor", token);
        Assert.Equal("mnist-predictor-00001", route["status"]!["traffic"]![0]!["revisionName"]!.GetValue<string>());

        // A change to the predictor makes a new Revision; the old one is scaled to zero and kept.
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"annotations":{"local.kaptain.build/scenario":"succeed after=100ms"}}}""", V1Patch.PatchType.MergePatch),
            "serving.kserve.io", "v1beta1", ns, "inferenceservices", "mnist", cancellationToken: token);
        var updated = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "mnist", i => i["status"]?["components"]?["predictor"]?["latestReadyRevision"]?.GetValue<string>() == "mnist-predictor-00002" && SimulatedCluster.HasCondition(i, "Ready"), token);

        Assert.NotNull(updated);
        var old = await cluster.WaitForAsync(Knative, "revisions", ns, "mnist-predictor-00001", r => r["status"]?["actualReplicas"]?.GetValue<int>() == 0, token);
        Assert.True(SimulatedCluster.HasCondition(old, "Active", "False"));
    }

    [Fact]
    public async Task Serverless_with_a_missing_model_is_not_ready_with_a_reason()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-missing", token);
        await ModelStorageAsync(ns, "isvc-missing", "models/other/model.joblib", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("mnist", "s3://isvc-missing/models/mnist", null).ToJsonString(), token);

        var failed = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "mnist", i => SimulatedCluster.HasCondition(i, "Ready", "False"), token);

        Assert.Equal("RevisionFailed", SimulatedCluster.ConditionReason(failed, "Ready"));
        Assert.Equal("ModelLoadFailed", failed["status"]!["modelStatus"]!["lastFailureInfo"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task RawDeployment_makes_a_deployment_and_a_service_and_becomes_ready()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-raw", token);
        await ModelStorageAsync(ns, "isvc-raw", "models/mnist/saved_model.pb", token);
        var isvc = Isvc("raw", "s3://isvc-raw/models/mnist", "succeed after=100ms");
        isvc["metadata"]!["annotations"]!["serving.kserve.io/deploymentMode"] = "RawDeployment";
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, isvc.ToJsonString(), token);

        var ready = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "raw", i => SimulatedCluster.HasCondition(i, "Ready"), token);

        var uid = ready["metadata"]!["uid"]!.GetValue<string>();
        var deployment = await cluster.GetAsync("apps/v1", "deployments", ns, "raw-predictor", token);
        Assert.Equal(uid, deployment["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        Assert.Equal(1, deployment["status"]!["readyReplicas"]!.GetValue<int>());
        var service = await cluster.GetAsync("v1", "services", ns, "raw-predictor", token);
        Assert.Equal(uid, service["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "serving.kserve.io/inferenceservice=raw"));
        Assert.Equal("Running", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Contains("Successfully copied", await cluster.LogAsync(ns, pod["metadata"]!["name"]!.GetValue<string>(), token, container: "storage-initializer"), StringComparison.Ordinal);
        Assert.Empty(await cluster.ListAsync(Knative, "services", ns, token));
    }

    [Fact]
    public async Task RawDeployment_whose_server_crashes_is_not_ready()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-rawfail", token);
        var isvc = Isvc("crash", "gs://not-checked/model", "crashloop after=100ms");
        isvc["metadata"]!["annotations"]!["serving.kserve.io/deploymentMode"] = "RawDeployment";
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, isvc.ToJsonString(), token);

        var failed = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "crash", i => i["status"]?["modelStatus"]?["transitionStatus"]?.GetValue<string>() == "BlockedByFailedLoad", token);

        // As KServe's PropagateModelStatus: the crash is in modelStatus; Ready follows the Deployment's conditions.
        Assert.Equal("ModelLoadFailed", failed["status"]!["modelStatus"]!["lastFailureInfo"]!["reason"]!.GetValue<string>());
        Assert.Null(failed["status"]!["observedGeneration"]);
    }

    [Fact]
    public async Task RawDeployment_update_keeps_the_old_pod_serving_until_the_new_one_is_ready()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-rawroll", token);
        await ModelStorageAsync(ns, "isvc-rawroll", "models/mnist/saved_model.pb", token);
        var isvc = Isvc("roll", "s3://isvc-rawroll/models/mnist", "succeed after=100ms");
        isvc["metadata"]!["annotations"]!["serving.kserve.io/deploymentMode"] = "RawDeployment";
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, isvc.ToJsonString(), token);
        await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "roll", i => SimulatedCluster.HasCondition(i, "Ready"), token);
        var old = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "serving.kserve.io/inferenceservice=roll"));

        // The new version's model is missing: its pod never starts (the storage initializer fails).
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"predictor":{"model":{"storageUri":"s3://isvc-rawroll/models/missing"}}}}""", V1Patch.PatchType.MergePatch),
            "serving.kserve.io", "v1beta1", ns, "inferenceservices", "roll", cancellationToken: token);
        var rolling = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "roll", i => SimulatedCluster.ConditionReason(i, "Ready") == "ReplicaSetUpdated", token);

        Assert.True(SimulatedCluster.HasCondition(rolling, "Ready", "Unknown"));
        var deployment = await cluster.WaitForAsync("apps/v1", "deployments", ns, "roll-predictor", d => d["status"]?["observedGeneration"]?.GetValue<long>() == 2, token);
        Assert.True(SimulatedCluster.HasCondition(deployment, "Available"));
        var pods = await cluster.ListAsync("v1", "pods", ns, token, "serving.kserve.io/inferenceservice=roll");
        Assert.Contains(pods, p => p["metadata"]!["uid"]!.GetValue<string>() == old["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal(2, pods.Count);
    }

    [Fact]
    public async Task Serverless_canary_splits_the_traffic_and_promotion_and_rollback_move_it()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-canary", token);
        await ModelStorageAsync(ns, "isvc-canary", "models/mnist/model.joblib", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("cn", "s3://isvc-canary/models/mnist", "succeed after=100ms").ToJsonString(), token);
        await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "cn", i => SimulatedCluster.HasCondition(i, "Ready"), token);
        async Task Patch(string json) => await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(json, V1Patch.PatchType.MergePatch), "serving.kserve.io", "v1beta1", ns, "inferenceservices", "cn", cancellationToken: token);
        static string Traffic(JsonNode i) => string.Join(",", (i["status"]?["components"]?["predictor"]?["traffic"] as JsonArray ?? [])
            .Select(t => $"{t!["revisionName"]!.GetValue<string>()}={t["percent"]!.GetValue<long>()}"));

        await Patch("""{"metadata":{"annotations":{"local.kaptain.build/scenario":"succeed after=50ms"}},"spec":{"predictor":{"canaryTrafficPercent":10}}}""");
        var split = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "cn", i => Traffic(i) == "cn-predictor-00002=10,cn-predictor-00001=90", token);
        Assert.Equal("cn-predictor-00001", split["status"]!["components"]!["predictor"]!["latestRolledoutRevision"]!.GetValue<string>());

        await Patch("""{"spec":{"predictor":{"canaryTrafficPercent":0}}}""");
        await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "cn", i => Traffic(i) == "cn-predictor-00002=0,cn-predictor-00001=100", token);

        await Patch("""{"spec":{"predictor":{"canaryTrafficPercent":null}}}""");
        var promoted = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "cn", i => Traffic(i) == "cn-predictor-00002=100", token);
        Assert.Equal("cn-predictor-00002", promoted["status"]!["components"]!["predictor"]!["latestRolledoutRevision"]!.GetValue<string>());
        Assert.Equal("cn-predictor-00001", promoted["status"]!["components"]!["predictor"]!["previousRolledoutRevision"]!.GetValue<string>());
        // Moving traffic makes no Revision: there are two, one per template.
        Assert.Equal(2, (await cluster.ListAsync(Knative, "revisions", ns, token)).Count);
    }

    [Fact]
    public async Task Serverless_with_an_image_that_cannot_be_pulled_fails_the_revision()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-pull", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("pull", "gs://not-checked/model", "badimage").ToJsonString(), token);

        var failed = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "pull", i => SimulatedCluster.HasCondition(i, "Ready", "False"), token);

        Assert.Equal("RevisionFailed", SimulatedCluster.ConditionReason(failed, "Ready"));
        var revision = await cluster.GetAsync(Knative, "revisions", ns, "pull-predictor-00001", token);
        Assert.Equal("ImagePullBackOff", SimulatedCluster.ConditionReason(revision, "Ready"));
        // Knative takes the reason from the Revision's pod, which waits in ImagePullBackOff.
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "serving.knative.dev/revision=pull-predictor-00001"));
        Assert.Equal("ImagePullBackOff", pod["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pod_whose_image_cannot_be_pulled_waits_in_ImagePullBackOff_with_the_kubelets_events()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("pod-pull", token);
        var isvc = Isvc("pullraw", "gs://not-checked/model", "badimage");
        isvc["metadata"]!["annotations"]!["serving.kserve.io/deploymentMode"] = "RawDeployment";
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, isvc.ToJsonString(), token);

        JsonNode? pod = null;
        for (var i = 0; i < 200 && pod is null; i++)
        {
            pod = (await cluster.ListAsync("v1", "pods", ns, token, "serving.kserve.io/inferenceservice=pullraw"))
                .FirstOrDefault(p => p["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() == "ImagePullBackOff");
            if (pod is null)
            {
                await Task.Delay(50, token);
            }
        }

        Assert.NotNull(pod);
        Assert.Equal("Pending", pod!["status"]!["phase"]!.GetValue<string>());
        // The kubelet writes the status and records the events separately (its status manager and event recorder are
        // asynchronous), so the BackOff event may follow the waiting state: wait for it, bounded.
        var podName = pod["metadata"]!["name"]!.GetValue<string>();
        var events = await cluster.EventsAsync(ns, podName, token);
        for (var i = 0; i < 100 && !events.Any(e => e.Reason == "BackOff"); i++)
        {
            await Task.Delay(50, token);
            events = await cluster.EventsAsync(ns, podName, token);
        }

        Assert.Contains(events, e => e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Reason == "BackOff" && e.Message.StartsWith("Back-off pulling image", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serverless_revisions_run_pods_in_a_deployment_with_knatives_labels_and_the_queue_proxy()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-kpods", token);
        await ModelStorageAsync(ns, "isvc-kpods", "models/mnist/model.joblib", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("kp", "s3://isvc-kpods/models/mnist", "succeed after=100ms").ToJsonString(), token);
        await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "kp", i => SimulatedCluster.HasCondition(i, "Ready"), token);

        // Knative: a Deployment {revision}-deployment owned by the Revision (names.go), pods with the Revision's labels
        // plus serving.knative.dev/revision and revisionUID (meta.go), the user container and queue-proxy (deploy.go).
        var revision = await cluster.GetAsync(Knative, "revisions", ns, "kp-predictor-00001", token);
        var deployment = await cluster.GetAsync("apps/v1", "deployments", ns, "kp-predictor-00001-deployment", token);
        Assert.Equal(revision["metadata"]!["uid"]!.GetValue<string>(), deployment["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "serving.knative.dev/revision=kp-predictor-00001"));
        var labels = pod["metadata"]!["labels"]!;
        Assert.Equal("kp", labels["serving.kserve.io/inferenceservice"]!.GetValue<string>());
        Assert.Equal("predictor", labels["component"]!.GetValue<string>());
        Assert.Equal("kp-predictor", labels["serving.knative.dev/configuration"]!.GetValue<string>());
        Assert.Equal("kp-predictor", labels["serving.knative.dev/service"]!.GetValue<string>());
        Assert.Equal(revision["metadata"]!["uid"]!.GetValue<string>(), labels["serving.knative.dev/revisionUID"]!.GetValue<string>());
        Assert.Equal(["kserve-container", "queue-proxy"], pod["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("Running", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Contains("Successfully copied", await cluster.LogAsync(ns, pod["metadata"]!["name"]!.GetValue<string>(), token, container: "storage-initializer"), StringComparison.Ordinal);

        // A new Revision: the old one, without traffic, is scaled to zero (its pods go) and kept.
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"annotations":{"local.kaptain.build/scenario":"succeed after=50ms"}}}""", V1Patch.PatchType.MergePatch),
            "serving.kserve.io", "v1beta1", ns, "inferenceservices", "kp", cancellationToken: token);
        await cluster.WaitForAsync("apps/v1", "deployments", ns, "kp-predictor-00001-deployment", d => d["spec"]?["replicas"]?.GetValue<int>() == 0, token);
        await cluster.WaitForAsync("apps/v1", "deployments", ns, "kp-predictor-00002-deployment", d => d["status"]?["availableReplicas"]?.GetValue<int>() == 1, token);

        // The scaled-down pod is deleted gracefully (the kubelet stops its containers first), so it can still be listed,
        // terminating, right after its Deployment says 0 replicas, as on a real cluster; it goes within a bounded time.
        static string Revision(JsonNode? pod) => pod!["metadata"]!["labels"]!["serving.knative.dev/revision"]!.GetValue<string>();
        var pods = await cluster.ListAsync("v1", "pods", ns, token, "serving.kserve.io/inferenceservice=kp");
        for (var i = 0; i < 200 && pods.Any(p => Revision(p) != "kp-predictor-00002"); i++)
        {
            await Task.Delay(50, token);
            pods = await cluster.ListAsync("v1", "pods", ns, token, "serving.kserve.io/inferenceservice=kp");
        }

        Assert.All(pods, p => Assert.Equal("kp-predictor-00002", Revision(p)));
        Assert.NotEmpty(pods);
    }

    [Fact]
    public async Task A_Serverless_server_that_crashes_after_ready_crash_loops_while_the_InferenceService_stays_ready()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-crash", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("cr", "gs://not-checked/model", "crash after=300ms exit=3 message=\"CUDA out of memory\"").ToJsonString(), token);
        await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "cr", i => SimulatedCluster.HasCondition(i, "Ready"), token);

        JsonNode? crashed = null;
        for (var i = 0; i < 200 && crashed is null; i++)
        {
            crashed = (await cluster.ListAsync("v1", "pods", ns, token, "serving.knative.dev/revision=cr-predictor-00001"))
                .FirstOrDefault(p => p["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() == "CrashLoopBackOff");
            if (crashed is null)
            {
                await Task.Delay(50, token);
            }
        }

        Assert.NotNull(crashed);
        var server = crashed!["status"]!["containerStatuses"]![0]!;
        Assert.Equal("kserve-container", server["name"]!.GetValue<string>());
        Assert.True(server["restartCount"]!.GetValue<int>() >= 1);
        Assert.Equal(3, server["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>());
        Assert.Equal("CUDA out of memory", server["lastState"]!["terminated"]!["message"]!.GetValue<string>());
        var queue = crashed["status"]!["containerStatuses"]![1]!;
        Assert.Equal("queue-proxy", queue["name"]!.GetValue<string>());
        Assert.Equal(0, queue["restartCount"]!.GetValue<int>());
        Assert.NotNull(queue["state"]!["running"]);
        var events = await cluster.EventsAsync(ns, crashed["metadata"]!["name"]!.GetValue<string>(), token);
        Assert.Contains(events, e => e.Reason == "BackOff" && e.Message.StartsWith("Back-off restarting failed container kserve-container", StringComparison.Ordinal));
        // As kserve#1859: the InferenceService still says Ready.
        var isvc = await cluster.GetAsync(Kserve, "inferenceservices", ns, "cr", token);
        Assert.True(SimulatedCluster.HasCondition(isvc, "Ready"));
    }

    [Fact]
    public async Task A_Serverless_server_that_exits_before_ready_fails_the_revision_with_its_exit_code()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-exit", token);
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, Isvc("ex", "gs://not-checked/model", "crashloop after=100ms exit=2 message=\"no model\"").ToJsonString(), token);

        var failed = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "ex", i => SimulatedCluster.HasCondition(i, "Ready", "False"), token);

        Assert.Equal("RevisionFailed", SimulatedCluster.ConditionReason(failed, "Ready"));
        var revision = await cluster.GetAsync(Knative, "revisions", ns, "ex-predictor-00001", token);
        Assert.Equal("ExitCode2", SimulatedCluster.ConditionReason(revision, "Ready"));
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "serving.knative.dev/revision=ex-predictor-00001"));
        Assert.Equal(2, pod["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_Serverless_storage_initializer_that_fails_is_in_the_model_status_and_fails_the_revision_only_at_the_progress_deadline()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-layout", token);
        // A bare model.pt is not the layout KServe's PyTorch predictor (TorchServe) loads: the storage initializer fails.
        await ModelStorageAsync(ns, "isvc-layout", "models/mnist/model.pt", token);
        var isvc = Isvc("lay", "s3://isvc-layout/models/mnist", null);
        isvc["spec"]!["predictor"]!["model"]!["modelFormat"]!["name"] = "pytorch";
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, isvc.ToJsonString(), token);

        // KServe's PropagateModelStatus reads the latest created revision's pod: the storage initializer's last
        // termination is the model's failure, while Knative (which reads no init container) still deploys.
        var blocked = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "lay", i => i["status"]?["modelStatus"]?["transitionStatus"]?.GetValue<string>() == "BlockedByFailedLoad", token);
        var info = blocked["status"]!["modelStatus"]!["lastFailureInfo"]!;
        Assert.Equal("ModelLoadFailed", info["reason"]!.GetValue<string>());
        Assert.Equal(1, info["exitCode"]!.GetValue<int>());
        Assert.Contains("config.properties", info["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("FailedToLoad", blocked["status"]!["modelStatus"]!["states"]!["targetModelState"]!.GetValue<string>());
        var pod = Assert.Single(await cluster.ListAsync("v1", "pods", ns, token, "serving.knative.dev/revision=lay-predictor-00001"));
        Assert.Equal("CrashLoopBackOff", pod["status"]!["initContainerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>());
        Assert.All(pod["status"]!["containerStatuses"]!.AsArray(), c => Assert.Equal("PodInitializing", c!["state"]!["waiting"]!["reason"]!.GetValue<string>()));
        Assert.True(SimulatedCluster.HasCondition(pod, "Initialized", "False"));

        // After the Deployment's progress deadline Knative marks the resources unavailable with the user container's
        // waiting reason (PodInitializing, no message); the Service and KServe report RevisionFailed.
        var failed = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "lay", i => SimulatedCluster.HasCondition(i, "Ready", "False"), token);
        Assert.Equal("RevisionFailed", SimulatedCluster.ConditionReason(failed, "Ready"));
        var revision = await cluster.GetAsync(Knative, "revisions", ns, "lay-predictor-00001", token);
        Assert.Equal("PodInitializing", SimulatedCluster.ConditionReason(revision, "Ready"));
        Assert.Equal("PodInitializing", SimulatedCluster.ConditionReason(revision, "ResourcesAvailable"));
        Assert.True(SimulatedCluster.HasCondition(revision, "ContainerHealthy", "Unknown"));
        var ksvc = await cluster.GetAsync(Knative, "services", ns, "lay-predictor", token);
        Assert.Equal("Revision \"lay-predictor-00001\" failed with message: .", ConditionMessage(ksvc, "ConfigurationsReady"));
        Assert.Equal("BlockedByFailedLoad", failed["status"]!["modelStatus"]!["transitionStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_RawDeployment_storage_initializer_that_fails_is_in_the_model_status_and_the_predictor_is_not_ready()
    {
        var token = TestContext.Current.CancellationToken;
        var ns = await cluster.NamespaceAsync("isvc-rawlayout", token);
        await ModelStorageAsync(ns, "isvc-rawlayout", "models/mnist/model.pt", token);
        var isvc = Isvc("rawlay", "s3://isvc-rawlayout/models/mnist", null);
        isvc["spec"]!["predictor"]!["model"]!["modelFormat"]!["name"] = "pytorch";
        isvc["metadata"]!["annotations"]!["serving.kserve.io/deploymentMode"] = "RawDeployment";
        await cluster.CreateAsync(Kserve, "inferenceservices", ns, isvc.ToJsonString(), token);

        var blocked = await cluster.WaitForAsync(Kserve, "inferenceservices", ns, "rawlay", i => i["status"]?["modelStatus"]?["transitionStatus"]?.GetValue<string>() == "BlockedByFailedLoad", token);

        Assert.Contains("config.properties", blocked["status"]!["modelStatus"]!["lastFailureInfo"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, blocked["status"]!["modelStatus"]!["lastFailureInfo"]!["exitCode"]!.GetValue<int>());
        Assert.False(SimulatedCluster.HasCondition(blocked, "Ready"));
    }

    private static string? ConditionMessage(JsonNode obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).FirstOrDefault(c => c?["type"]?.GetValue<string>() == type)?["message"]?.GetValue<string>();

    private static JsonObject Isvc(string name, string storageUri, string? scenario)
    {
        var annotations = new JsonObject();
        if (scenario is not null)
        {
            annotations["local.kaptain.build/scenario"] = scenario;
        }

        return new JsonObject
        {
            ["apiVersion"] = Kserve,
            ["kind"] = "InferenceService",
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = annotations },
            ["spec"] = new JsonObject
            {
                ["predictor"] = new JsonObject
                {
                    ["serviceAccountName"] = "kserve-sa",
                    ["model"] = new JsonObject { ["modelFormat"] = new JsonObject { ["name"] = "sklearn" }, ["storageUri"] = storageUri },
                },
            },
        };
    }

    /// <summary>A bucket with one object, and the service account whose Secret names the S3 endpoint and credentials, as
    /// KServe's docs tell users to set them up.</summary>
    private async Task ModelStorageAsync(string ns, string bucket, string key, CancellationToken token)
    {
        await s3.CreateBucketAsync(bucket, token);
        await s3.PutObjectAsync(bucket, key, Encoding.UTF8.GetBytes("model bytes"), token);
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "s3-model",
                    Annotations = new Dictionary<string, string>
                    {
                        ["serving.kserve.io/s3-endpoint"] = $"127.0.0.1:{s3.Endpoint.Port}",
                        ["serving.kserve.io/s3-usehttps"] = "0",
                        ["serving.kserve.io/s3-region"] = "us-east-1",
                    },
                },
                StringData = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = s3.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey },
            },
            ns,
            cancellationToken: token);
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(
            new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "kserve-sa" }, Secrets = [new V1ObjectReference { Name = "s3-model" }] },
            ns,
            cancellationToken: token);
    }
}
