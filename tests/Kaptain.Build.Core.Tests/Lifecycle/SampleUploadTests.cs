using System.Diagnostics;
using System.Text;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// The samples' own upload code (<c>s3_client</c> and <c>upload_folder</c> of <c>samples/*/mnist.py</c>, taken from
/// the file as shipped) run by Debian's python3 with real boto3, in exactly the environment the client gives the
/// training job's primary container (its values, and its <c>secretKeyRef</c>s read from the job's S3 Secret on the
/// cluster), puts the model where publish then serves it from: the stand-in's storage initializer checks the layout
/// the framework's model server loads. What the scripts write locally before that (TensorFlow's <c>model.export</c>,
/// TorchServe's archiver) needs TensorFlow or PyTorch, which this machine cannot install: the test writes those
/// files in the same layout, and the sample's <c>CONFIG_PROPERTIES</c> for TorchServe.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class SampleUploadTests(LifecycleServers servers)
{
    /// <summary>Debian's interpreter, which <c>build/install-prerequisites.sh</c> gives python3-boto3.</summary>
    private const string Python = "/usr/bin/python3";

    private static readonly ImageReference Image = ImageReference.TryParse("127.0.0.1:5000/tests/model:1", out var image) ? image : throw new InvalidOperationException();

    public static TheoryData<string> Frameworks => new("tensorflow", "pytorch");

    [Theory]
    [MemberData(nameof(Frameworks))]
    public async Task The_samples_upload_code_in_the_training_pods_environment_puts_a_model_that_publish_serves(string framework)
    {
        var token = TestContext.Current.CancellationToken;
        using var project = new LifecycleProject(servers, framework == "tensorflow" ? "sample-tf" : "sample-pt", framework);
        var trained = await KaptainLifecycle.TrainAsync(project.Options(Image), token);

        var environment = PrimaryContainerEnvironment(project, framework, trained.JobName);
        Assert.Equal(servers.S3.AccessKey, environment["AWS_ACCESS_KEY_ID"]);
        var uri = environment["KAPTAIN_MODEL_URI"];

        // Another folder than the one the simulated training wrote, so that only the sample's code can have put it there.
        var bucket = uri["s3://".Length..].Split('/')[0];
        var prefix = $"models/tests/{project.Name}/by-sample";
        environment["KAPTAIN_MODEL_URI"] = $"s3://{bucket}/{prefix}";
        var output = await RunSampleUploadAsync(framework, project.Name, environment, token);

        var keys = await ServableModel.ListKeysAsync(servers.S3, bucket, prefix + "/", token);
        var expected = framework == "tensorflow"
            ? new[] { $"{prefix}/1733097600/saved_model.pb", $"{prefix}/1733097600/variables/variables.index" }
            : [$"{prefix}/config/config.properties", $"{prefix}/model-store/{project.Name}.mar"];
        Assert.All(expected, key => Assert.Contains(key, keys));
        Assert.Contains($"uploaded s3://{bucket}/{expected[0]}", output, StringComparison.Ordinal);

        project.Properties[ModelProperties.ModelUri] = environment["KAPTAIN_MODEL_URI"];
        var published = await KaptainLifecycle.PublishAsync(project.Options(), token);
        Assert.Equal(project.Name, published.InferenceServiceName);
    }

    // The primary replica's container environment as its pod gets it: values, and secretKeyRefs from the cluster.
    private Dictionary<string, string> PrimaryContainerEnvironment(LifecycleProject project, string framework, string jobName)
    {
        var store = servers.Cluster.Store;
        var (kind, specs, replica) = framework == "tensorflow" ? ("TFJob", "tfReplicaSpecs", "Chief") : ("PyTorchJob", "pytorchReplicaSpecs", "Master");
        var job = store.Get(store.Resources.Get("kubeflow.org/v1", kind), project.Namespace, jobName);
        var replicas = job["spec"]![specs]!.AsObject();
        var spec = replicas[replica] ?? replicas["Worker"]!;
        var container = spec["template"]!["spec"]!["containers"]!.AsArray()[0]!;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container["env"]!.AsArray().Select(v => v!.AsObject()))
        {
            var name = variable["name"]!.GetValue<string>();
            if (variable["value"] is { } value)
            {
                environment[name] = value.GetValue<string>();
            }
            else if (variable["valueFrom"]?["secretKeyRef"] is { } reference)
            {
                var secret = store.Get(BuiltInResources.Secret, project.Namespace, reference["name"]!.GetValue<string>());
                if (secret["data"]?[reference["key"]!.GetValue<string>()] is { } data)
                {
                    environment[name] = Encoding.UTF8.GetString(Convert.FromBase64String(data.GetValue<string>()));
                }
                else
                {
                    Assert.True(reference["optional"]?.GetValue<bool>() == true, $"{name}: the Secret has no {reference["key"]} and the reference is not optional");
                }
            }
        }

        return environment;
    }

    // The sample's functions, taken out of its mnist.py without running its imports of TensorFlow or PyTorch.
    private static async Task<string> RunSampleUploadAsync(string framework, string modelName, Dictionary<string, string> environment, CancellationToken token)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: run build/install-prerequisites.sh (it installs Debian's python3-boto3)");
        var sample = RepositoryPaths.Combine("samples", framework == "tensorflow" ? "mnist-tensorflow" : "mnist-pytorch", "mnist.py");
        var script = $$"""
            import ast, json, os, tempfile, zipfile
            source = open({{Quote(sample)}}, encoding="utf-8").read()
            wanted = {"s3_client", "upload_folder", "CONFIG_PROPERTIES"}
            nodes = [n for n in ast.parse(source).body
                     if (isinstance(n, ast.FunctionDef) and n.name in wanted)
                     or (isinstance(n, ast.Assign) and any(getattr(t, "id", None) in wanted for t in n.targets))]
            sample = {"os": os}
            exec(compile(ast.Module(body=nodes, type_ignores=[]), {{Quote(sample)}}, "exec"), sample)
            work = tempfile.mkdtemp()
            def write(path, data):
                path = os.path.join(work, path)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
            if {{Quote(framework)}} == "tensorflow":
                # What model.export(os.path.join(work, str(int(time.time())))) leaves: a SavedModel in a version folder.
                write("1733097600/saved_model.pb", b"saved model")
                write("1733097600/variables/variables.index", b"index")
            else:
                # What save_for_torchserve leaves: the sample's config.properties and the archiver's .mar.
                name = os.environ["KAPTAIN_MODEL_NAME"]
                write("config/config.properties", sample["CONFIG_PROPERTIES"].format(name=name).encode())
                mar = os.path.join(work, "model-store", name + ".mar")
                os.makedirs(os.path.dirname(mar), exist_ok=True)
                with zipfile.ZipFile(mar, "w") as z:
                    z.writestr("MAR-INF/MANIFEST.json", json.dumps(dict(model=dict(modelName=name))))
            sample["upload_folder"](work, os.environ["KAPTAIN_MODEL_URI"])
            """;
        var start = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-");
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["HOME"] = Path.GetTempPath();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(token);
        var stderr = process.StandardError.ReadToEndAsync(token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"the sample's upload failed ({modelName}):\n{output}");
        return output;
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
