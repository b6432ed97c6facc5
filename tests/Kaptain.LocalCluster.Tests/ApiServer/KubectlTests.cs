using System.Text.Json.Nodes;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>The real kubectl (1.32) works against the local cluster unchanged: apply, get, patch, wait, logs, delete, watch.</summary>
public sealed class KubectlTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: demo
          labels:
            app: demo
        data:
          greeting: hello
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: train
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: busybox
        """;

    private static string Output(CliWrap.Buffered.BufferedCommandResult result) => $"exit {result.ExitCode}\nstdout: {result.StandardOutput}\nstderr: {result.StandardError}";

    [Fact]
    public async Task Applies_gets_patches_and_deletes()
    {
        await using var cluster = await TestCluster.StartAsync();

        var apply = await cluster.KubectlWithInputAsync(Manifest, "apply", "-f", "-");
        Assert.True(apply.ExitCode == 0, Output(apply));
        Assert.Contains("configmap/demo created", apply.StandardOutput);
        Assert.Contains("job.batch/train created", apply.StandardOutput);

        var reapply = await cluster.KubectlWithInputAsync(Manifest.Replace("greeting: hello", "greeting: bonjour"), "apply", "-f", "-");
        Assert.True(reapply.ExitCode == 0, Output(reapply));
        Assert.Contains("configmap/demo configured", reapply.StandardOutput);

        var get = await cluster.KubectlAsync("get", "configmap", "demo", "-o", "json");
        Assert.True(get.ExitCode == 0, Output(get));
        Assert.Equal("bonjour", JsonNode.Parse(get.StandardOutput)!["data"]!["greeting"]!.GetValue<string>());

        var patch = await cluster.KubectlAsync("patch", "configmap", "demo", "--type", "merge", "-p", "{\"data\":{\"extra\":\"1\"}}");
        Assert.True(patch.ExitCode == 0, Output(patch));
        var table = await cluster.KubectlAsync("get", "configmaps", "-l", "app=demo");
        Assert.True(table.ExitCode == 0, Output(table));
        Assert.Contains("demo", table.StandardOutput);
        Assert.Contains("DATA", table.StandardOutput);

        var jsonPatch = await cluster.KubectlAsync("patch", "job", "train", "--type", "json", "-p", "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"team\":\"ml\"}}]");
        Assert.True(jsonPatch.ExitCode == 0, Output(jsonPatch));
        var labelled = await cluster.KubectlAsync("get", "jobs", "-l", "team=ml", "-o", "name");
        Assert.Equal("job.batch/train", labelled.StandardOutput.Trim());

        var deleteByName = await cluster.KubectlAsync("delete", "configmap", "demo", "--wait=true");
        Assert.True(deleteByName.ExitCode == 0, Output(deleteByName));
        Assert.Contains("deleted", deleteByName.StandardOutput);
        var gone = await cluster.KubectlAsync("get", "configmap", "demo");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.StandardError);
    }

    [Fact]
    public async Task Applies_custom_resources_server_side()
    {
        await using var cluster = await TestCluster.StartAsync();
        var tfjob = """
            apiVersion: kubeflow.org/v1
            kind: TFJob
            metadata:
              name: mnist
            spec:
              tfReplicaSpecs:
                Worker:
                  replicas: 2
                  restartPolicy: Never
                  template:
                    spec:
                      containers:
                      - name: tensorflow
                        image: tensorflow/tensorflow:2.16.1
            """;
        var apply = await cluster.KubectlWithInputAsync(tfjob, "apply", "--server-side", "-f", "-");
        Assert.True(apply.ExitCode == 0, Output(apply));
        Assert.Contains("tfjob.kubeflow.org/mnist serverside-applied", apply.StandardOutput);

        var reapply = await cluster.KubectlWithInputAsync(tfjob.Replace("replicas: 2", "replicas: 4"), "apply", "--server-side", "-f", "-");
        Assert.True(reapply.ExitCode == 0, Output(reapply));
        var get = await cluster.KubectlAsync("get", "tfjob", "mnist", "-o", "jsonpath={.spec.tfReplicaSpecs.Worker.replicas}");
        Assert.Equal("4", get.StandardOutput.Trim());

        var clientSide = await cluster.KubectlWithInputAsync(tfjob.Replace("name: mnist", "name: mnist-2"), "apply", "-f", "-");
        Assert.True(clientSide.ExitCode == 0, Output(clientSide));
        var list = await cluster.KubectlAsync("get", "tfjobs", "-o", "name");
        Assert.Equal(["tfjob.kubeflow.org/mnist", "tfjob.kubeflow.org/mnist-2"], list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var delete = await cluster.KubectlAsync("delete", "tfjob", "mnist", "mnist-2");
        Assert.True(delete.ExitCode == 0, Output(delete));
        var empty = await cluster.KubectlAsync("get", "tfjobs", "-o", "name");
        Assert.True(empty.ExitCode == 0, Output(empty));
        Assert.Equal("", empty.StandardOutput.Trim());
    }

    [Fact]
    public async Task Rejects_an_invalid_custom_resource_with_the_field_path()
    {
        await using var cluster = await TestCluster.StartAsync();
        var invalid = Manifests.TfJob("bad", replicas: "two").ToJsonString();
        var apply = await cluster.KubectlWithInputAsync(invalid, "create", "-f", "-");
        Assert.NotEqual(0, apply.ExitCode);
        Assert.Contains("spec.tfReplicaSpecs.Worker.replicas", apply.StandardError);
    }

    [Fact]
    public async Task Waits_for_a_condition_and_reads_logs()
    {
        await using var cluster = await TestCluster.StartAsync();
        var create = await cluster.KubectlWithInputAsync(Manifests.Pod("worker").ToJsonString(), "create", "-f", "-");
        Assert.True(create.ExitCode == 0, Output(create));

        var store = cluster.Server.Store;
        var podType = Kaptain.LocalCluster.Api.BuiltInResources.Pod;
        var waiting = cluster.KubectlAsync("wait", "pod/worker", "--for=condition=Ready", "--timeout=60s");
        cluster.Server.Logs.Append("default", "worker", "main", "hello from the pod");
        store.Mutate(podType, "default", "worker", pod =>
        {
            pod["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
            };
            return true;
        }, status: true);
        var wait = await waiting;
        Assert.True(wait.ExitCode == 0, Output(wait));
        Assert.Contains("condition met", wait.StandardOutput);

        var logs = await cluster.KubectlAsync("logs", "worker");
        Assert.True(logs.ExitCode == 0, Output(logs));
        Assert.Equal("hello from the pod", logs.StandardOutput.Trim());

        var waitDelete = cluster.KubectlAsync("wait", "pod/worker", "--for=delete", "--timeout=60s");
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken); // let kubectl start its watch; the result does not depend on it
        store.Delete(podType, "default", "worker");
        var deleted = await waitDelete;
        Assert.True(deleted.ExitCode == 0, Output(deleted));
    }

    [Fact]
    public async Task Watches_with_get_watch()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        var cm = Kaptain.LocalCluster.Api.BuiltInResources.ConfigMap;
        store.Create(cm, Manifests.ConfigMap("first"));
        var watch = cluster.KubectlAsync("get", "configmaps", "--watch", "--output-watch-events", "-o", "name", "--request-timeout=3s");
        await Task.Delay(TimeSpan.FromMilliseconds(800), TestContext.Current.CancellationToken); // kubectl needs a moment to open its watch
        store.Create(cm, Manifests.ConfigMap("second"));
        var result = await watch;
        Assert.Contains("configmap/first", result.StandardOutput);
        Assert.Contains("configmap/second", result.StandardOutput);
    }

    [Fact]
    public async Task Creates_namespaces_config_maps_secrets_and_service_accounts_with_typed_protobuf_requests()
    {
        await using var cluster = await TestCluster.StartAsync();
        foreach (var args in new[]
        {
            new[] { "create", "namespace", "team" },
            ["create", "configmap", "settings", "--from-literal=mode=fast", "-n", "team"],
            ["create", "secret", "generic", "creds", "--from-literal=password=s3cret", "-n", "team"],
            ["create", "serviceaccount", "robot", "-n", "team"],
        })
        {
            var result = await cluster.KubectlAsync(args);
            Assert.True(result.ExitCode == 0, Output(result));
        }
        var store = cluster.Server.Store;
        Assert.Equal("fast", store.Get(Kaptain.LocalCluster.Api.BuiltInResources.ConfigMap, "team", "settings")["data"]!["mode"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String("s3cret"u8.ToArray()), store.Get(Kaptain.LocalCluster.Api.BuiltInResources.Secret, "team", "creds")["data"]!["password"]!.GetValue<string>());
        Assert.NotNull(store.TryGet(Kaptain.LocalCluster.Api.BuiltInResources.ServiceAccount, "team", "robot"));
        Assert.NotNull(store.TryGet(Kaptain.LocalCluster.Api.BuiltInResources.ServiceAccount, "team", "default")); // as the service account controller makes

        var delete = await cluster.KubectlAsync("delete", "namespace", "team");
        Assert.True(delete.ExitCode == 0, Output(delete));
        Assert.Null(store.TryGet(Kaptain.LocalCluster.Api.BuiltInResources.ConfigMap, "team", "settings"));
    }

    [Fact]
    public async Task Follows_logs_until_the_container_ends()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.Create(Kaptain.LocalCluster.Api.BuiltInResources.Pod, Manifests.Pod("trainer"));
        var logs = cluster.Server.Logs;
        logs.StartContainer("default", "trainer", "main");
        var following = cluster.KubectlAsync("logs", "-f", "trainer");
        for (var i = 1; i <= 3; i++) logs.Append("default", "trainer", "main", $"epoch {i}");
        logs.Terminate("default", "trainer", "main");
        var result = await following; // returns because the stream ends when the container terminates
        Assert.True(result.ExitCode == 0, Output(result));
        Assert.Equal(["epoch 1", "epoch 2", "epoch 3"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
