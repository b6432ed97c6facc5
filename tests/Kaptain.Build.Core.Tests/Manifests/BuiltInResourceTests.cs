using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kaptain.Build.Context;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Core.Tests.Manifests;

/// <summary>The built-in kinds round-trip through KubernetesClient's models, and the build Job keeps Contract 3.</summary>
public sealed class BuiltInResourceTests
{
    [Fact]
    public async Task Built_in_kinds_round_trip_through_KubernetesClient_json_and_yaml()
    {
        using var project = new TestModelProject();
        project.Properties[P.RegistryCaFile] = project.Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
        var (model, run) = await ModelAndRunAsync(project);
        var resources = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run).Resources
            .Concat(ManifestRenderer.Render(model, LifecycleStep.Publish, run).Resources)
            .Where(r => r is not CustomResource)
            .ToList();

        Assert.Equal(["Secret", "Secret", "Secret", "Job", "Secret", "ServiceAccount"], resources.Select(r => r.Kind));
        foreach (var resource in resources)
        {
            var json = KubernetesJson.Serialize(resource);
            object fromJson = resource switch
            {
                V1Secret => KubernetesJson.Deserialize<V1Secret>(json),
                V1Job => KubernetesJson.Deserialize<V1Job>(json),
                V1ServiceAccount => KubernetesJson.Deserialize<V1ServiceAccount>(json),
                _ => throw new InvalidOperationException(resource.Kind),
            };
            Assert.Equal(json, KubernetesJson.Serialize(fromJson));

            var yaml = KubernetesYaml.Serialize(resource);
            var fromYaml = KubernetesYaml.LoadAllFromString(yaml).Single();
            Assert.IsType(resource.GetType(), fromYaml);
            Assert.Equal(json, KubernetesJson.Serialize(fromYaml));
        }
    }

    [Fact]
    public async Task Build_job_follows_contract_3()
    {
        using var project = new TestModelProject();
        project.Properties[P.RegistryInsecure] = "true";
        project.Properties[P.RegistryCaFile] = project.Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
        project.Properties[P.S3Bucket] = "contexts";
        var (model, run) = await ModelAndRunAsync(project);

        var manifests = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run);
        var job = manifests.Single<V1Job>();
        var secrets = manifests.Resources.OfType<V1Secret>().ToList();
        var docker = secrets.Single(s => s.Type == "kubernetes.io/dockerconfigjson");
        var s3 = secrets.Single(s => s.Data.ContainsKey("AWS_SECRET_ACCESS_KEY"));
        var ca = secrets.Single(s => s.Data.ContainsKey("ca.crt"));
        var container = Assert.Single(job.Spec.Template.Spec.Containers);

        Assert.Equal("kaniko", container.Name);
        Assert.Equal("gcr.io/kaniko-project/executor:v1.23.2", container.Image);
        Assert.Equal(
            [
                "--dockerfile=Dockerfile",
                $"--context=s3://contexts/{run.ContextObjectKey}",
                $"--destination=127.0.0.1:5000/dev/mnist:{run.Image.Tag}",
                "--digest-file=/dev/termination-log",
                "--insecure",
                "--skip-tls-verify",
                "--registry-certificate=127.0.0.1:5000=/kaniko/ssl/certs/registry-ca.crt",
            ],
            container.Args);
        Assert.Equal("FallbackToLogsOnError", container.TerminationMessagePolicy);
        Assert.EndsWith(".tar.gz", run.ContextObjectKey, StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:9000", container.Env.Single(e => e.Name == "S3_ENDPOINT").Value);
        Assert.Equal("true", container.Env.Single(e => e.Name == "S3_FORCE_PATH_STYLE").Value);
        Assert.Equal("us-east-1", container.Env.Single(e => e.Name == "AWS_REGION").Value);
        foreach (var key in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY" })
        {
            var reference = container.Env.Single(e => e.Name == key).ValueFrom.SecretKeyRef;
            Assert.Equal((s3.Metadata.Name, key), (reference.Name, reference.Key));
        }

        var dockerVolume = job.Spec.Template.Spec.Volumes.Single(v => v.Secret?.SecretName == docker.Metadata.Name);
        Assert.Equal((".dockerconfigjson", "config.json"), (dockerVolume.Secret.Items.Single().Key, dockerVolume.Secret.Items.Single().Path));
        Assert.Equal("/kaniko/.docker", container.VolumeMounts.Single(m => m.Name == dockerVolume.Name).MountPath);
        var caVolume = job.Spec.Template.Spec.Volumes.Single(v => v.Secret?.SecretName == ca.Metadata.Name);
        Assert.Equal(("ca.crt", "registry-ca.crt"), (caVolume.Secret.Items.Single().Key, caVolume.Secret.Items.Single().Path));
        Assert.Equal("/kaniko/ssl/certs/registry-ca.crt", container.VolumeMounts.Single(m => m.Name == caVolume.Name).MountPath);

        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        Assert.Equal("false", job.Spec.Template.Metadata.Annotations["sidecar.istio.io/inject"]);
        Assert.Equal(model.Id, job.Spec.Template.Metadata.Annotations[ManifestLabels.ModelIdAnnotation]);
        Assert.Equal("500m", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("500M", container.Resources.Requests["memory"].ToString());
        Assert.Equal("1", container.Resources.Limits["cpu"].ToString());
        Assert.Equal("1G", container.Resources.Limits["memory"].ToString());
    }

    [Fact]
    public async Task Without_a_ca_file_or_insecure_registry_the_job_has_neither()
    {
        using var project = new TestModelProject();
        var (model, run) = await ModelAndRunAsync(project);

        var manifests = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run);
        var args = manifests.Single<V1Job>().Spec.Template.Spec.Containers.Single().Args;

        Assert.Equal(2, manifests.Resources.OfType<V1Secret>().Count());
        Assert.DoesNotContain(args, a => a.StartsWith("--insecure", StringComparison.Ordinal) || a.StartsWith("--registry-certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kaniko_caches_only_when_asked_with_the_repository_qualified_by_the_registry_and_the_ttl()
    {
        using var project = new TestModelProject();
        var (plain, plainRun) = await ModelAndRunAsync(project);
        project.Properties[P.BuilderCache] = "true";
        project.Properties[P.BuilderCacheRepository] = "dev/mnist/cache";
        project.Properties[P.BuilderCacheTtl] = "24h";
        var (cached, cachedRun) = await ModelAndRunAsync(project);

        var plainArgs = ManifestRenderer.Render(plain, LifecycleStep.BuildImage, plainRun).Single<V1Job>().Spec.Template.Spec.Containers.Single().Args;
        var cachedArgs = ManifestRenderer.Render(cached, LifecycleStep.BuildImage, cachedRun).Single<V1Job>().Spec.Template.Spec.Containers.Single().Args;

        Assert.DoesNotContain(plainArgs, a => a.StartsWith("--cache", StringComparison.Ordinal));
        Assert.Equal(["--cache=true", "--cache-repo=127.0.0.1:5000/dev/mnist/cache", "--cache-ttl=24h"], cachedArgs.Where(a => a.StartsWith("--cache", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Every_resource_carries_the_contract_2_labels_and_names()
    {
        using var project = new TestModelProject();
        project.Properties[P.ModelName] = "digits";
        var (model, run) = await ModelAndRunAsync(project);

        foreach (var step in LifecycleStepNames.All)
        {
            foreach (var resource in ManifestRenderer.Render(model, step, run).Resources)
            {
                var labels = resource.Metadata.Labels;
                Assert.Equal("kaptain-build", labels["app.kubernetes.io/managed-by"]);
                Assert.Equal("dev-mnist-14fbf217f6", labels["kaptain.build/model"]);
                Assert.Equal("dev/mnist", resource.Metadata.Annotations["kaptain.build/model-id"]);
                Assert.Equal(step.LabelValue(), labels["kaptain.build/step"]);
                Assert.Equal(run.RunId, labels["kaptain.build/run"]);
                Assert.Matches("^[0-9a-f]{10}$", labels["kaptain.build/run"]);
                if (resource.Kind == "InferenceService")
                {
                    Assert.Equal("digits", resource.Metadata.Name);
                }
                else
                {
                    Assert.StartsWith($"digits-{step.ShortName()}-{run.RunId}", resource.Metadata.Name, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public async Task Selector_matches_exactly_the_labels_of_a_run_step()
    {
        using var project = new TestModelProject();
        var (model, run) = await ModelAndRunAsync(project);
        var job = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run).Single<V1Job>();

        var selector = ManifestLabels.Selector(model, LifecycleStep.BuildImage, run.RunId);

        Assert.Equal($"app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist-14fbf217f6,kaptain.build/step=build-image,kaptain.build/run={run.RunId}", selector);
        Assert.All(selector.Split(','), term => Assert.Equal(term.Split('=')[1], job.Metadata.Labels[term.Split('=')[0]]));
        Assert.Equal("app.kubernetes.io/managed-by=kaptain-build,kaptain.build/model=dev-mnist-14fbf217f6", ManifestLabels.Selector(model));
    }

    [Fact]
    public async Task Supplied_secret_values_go_into_the_secrets_but_never_into_rendered_yaml()
    {
        using var project = new TestModelProject();
        project.Properties[P.RegistryCaFile] = project.Write("ca.pem", "pem");
        var (model, run) = await ModelAndRunAsync(project);
        run = run with
        {
            Secrets = new SecretValues
            {
                DockerConfigJson = "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpodW50ZXIy\"}}}",
                S3AccessKeyId = "AKIA-ACCESS-KEY-ID",
                S3SecretAccessKey = "very-secret-access-key",
                RegistryCaCertificate = "-----BEGIN CERTIFICATE-----MIIsecret",
            },
        };

        var build = ManifestRenderer.Render(model, LifecycleStep.BuildImage, run);
        var s3 = build.Resources.OfType<V1Secret>().Single(s => s.Data.ContainsKey("AWS_SECRET_ACCESS_KEY"));
        Assert.Equal("very-secret-access-key", Encoding.UTF8.GetString(s3.Data["AWS_SECRET_ACCESS_KEY"]));

        var yaml = ManifestRenderer.RenderYaml(model, LifecycleStep.BuildImage, run) + ManifestRenderer.RenderYaml(model, LifecycleStep.Publish, run);
        foreach (var secret in new[] { "dXNlcjpodW50ZXIy", "AKIA-ACCESS-KEY-ID", "very-secret-access-key", "MIIsecret" })
        {
            Assert.DoesNotContain(secret, yaml, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), yaml, StringComparison.Ordinal);
        }

        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(SecretValues.Redacted)), yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", run.Secrets.ToString(), StringComparison.Ordinal);

        // The docker config stays the JSON an API server validates a kubernetes.io/dockerconfigjson Secret as.
        var dockerConfig = System.Text.RegularExpressions.Regex.Match(yaml, @"\.dockerconfigjson: ""?(?<v>[A-Za-z0-9+/=]+)").Groups["v"].Value;
        Assert.Equal("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"REDACTED\"}}}", Encoding.UTF8.GetString(Convert.FromBase64String(dockerConfig)));
    }

    [Fact]
    public async Task Yaml_writer_output_reads_back_as_the_same_resources()
    {
        using var project = new TestModelProject();
        project.Items.Add(TestModelProject.Item(ModelItemTypes.EnvironmentVariable, "FLAG", ("Value", "true")));
        project.Items.Add(TestModelProject.Item(ModelItemTypes.EnvironmentVariable, "COUNT", ("Value", "007")));
        project.Items.Add(TestModelProject.Item(ModelItemTypes.EnvironmentVariable, "EMPTY", ("Value", "")));
        project.Items.Add(TestModelProject.Item(ModelItemTypes.TrainArgument, "--note=a: b # c"));
        var (model, run) = await ModelAndRunAsync(project);

        foreach (var step in LifecycleStepNames.All)
        {
            var resources = ManifestRenderer.Render(model, step, run).Resources;
            var documents = Schemas.YamlJson.LoadAll(ManifestRenderer.RenderYaml(model, step, run));

            Assert.Equal(resources.Count, documents.Count);
            for (var i = 0; i < resources.Count; i++)
            {
                var expected = JsonNode.Parse(KubernetesJson.Serialize(resources[i]))!;
                Assert.True(JsonNode.DeepEquals(expected, documents[i]), $"{resources[i].Kind} differs:\n{expected}\n{documents[i]}");
            }
        }
    }

    [Fact]
    public async Task Training_job_runs_the_main_file_with_hyperparameters_and_gpus()
    {
        using var project = new TestModelProject("pytorch");
        project.Properties[P.Workers] = "3";
        project.Properties[P.Gpus] = "2";
        project.Items.Add(TestModelProject.Item(ModelItemTypes.TrainArgument, "--log-every=10"));
        var (model, run) = await ModelAndRunAsync(project);

        var job = ManifestRenderer.Render(model, LifecycleStep.Train, run).Custom("PyTorchJob");
        var replicas = job.Spec["pytorchReplicaSpecs"]!;
        var container = replicas["Master"]!["template"]!["spec"]!["containers"]![0]!;

        Assert.Equal(1, (int)replicas["Master"]!["replicas"]!);
        Assert.Equal(2, (int)replicas["Worker"]!["replicas"]!);
        Assert.Equal("pytorch", (string)container["name"]!);
        Assert.Equal(run.Image.ToString(), (string)container["image"]!);
        Assert.Equal(["python", "-u", "train.py"], container["command"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(["--epochs=5", "--lr=0.01", "--log-every=10"], container["args"]!.AsArray().Select(c => (string)c!));
        Assert.Equal("2", (string)container["resources"]!["limits"]!["nvidia.com/gpu"]!);
        Assert.Equal("false", (string)replicas["Master"]!["template"]!["metadata"]!["annotations"]!["sidecar.istio.io/inject"]!);
        Assert.Equal(model.Id, (string)replicas["Master"]!["template"]!["metadata"]!["annotations"]![ManifestLabels.ModelIdAnnotation]!);
    }

    [Fact]
    public async Task Experiment_trials_take_search_parameters_in_place_of_hyperparameters()
    {
        using var project = new TestModelProject("tensorflow");
        var (model, run) = await ModelAndRunAsync(project);

        var spec = ManifestRenderer.Render(model, LifecycleStep.Tune, run).Custom("Experiment").Spec;
        var args = spec["trialTemplate"]!["trialSpec"]!["spec"]!["tfReplicaSpecs"]!["Worker"]!["template"]!["spec"]!["containers"]![0]!["args"]!
            .AsArray().Select(a => (string)a!).ToList();

        Assert.Equal(
            ["--epochs=5", "--lr=${trialParameters.lr}", "--batch-size=${trialParameters.batch-size}", "--optimizer=${trialParameters.optimizer}", "--dropout=${trialParameters.dropout}"],
            args);
        Assert.Equal("StdOut", (string)spec["metricsCollectorSpec"]!["collector"]!["kind"]!);
        Assert.Equal("accuracy", (string)spec["objective"]!["objectiveMetricName"]!);
        Assert.Equal(["loss"], spec["objective"]!["additionalMetricNames"]!.AsArray().Select(m => (string)m!));
        Assert.Equal((16, 2, 4), ((int)spec["maxTrialCount"]!, (int)spec["parallelTrialCount"]!, (int)spec["maxFailedTrialCount"]!));
    }

    [Fact]
    public async Task Inference_service_carries_predictor_storage_autoscaling_and_raw_mode()
    {
        using var project = new TestModelProject("tensorflow");
        project.Properties[P.DeploymentMode] = "RawDeployment";
        var (model, run) = await ModelAndRunAsync(project);

        var manifests = ManifestRenderer.Render(model, LifecycleStep.Publish, run);
        var service = manifests.Custom("InferenceService");
        var account = manifests.Single<V1ServiceAccount>();
        var secret = manifests.Single<V1Secret>();
        var predictor = service.Spec["predictor"]!;

        Assert.Equal("serving.kserve.io/v1beta1", service.ApiVersion);
        Assert.Equal("RawDeployment", service.Metadata.Annotations["serving.kserve.io/deploymentMode"]);
        Assert.Equal("s3://kaptain/models/dev/mnist/0.0.1", (string)predictor["tensorflow"]!["storageUri"]!);
        Assert.Equal(2, (int)predictor["scaleTarget"]!);
        Assert.Null(predictor["canaryTrafficPercent"]);
        Assert.Equal(account.Metadata.Name, (string)predictor["serviceAccountName"]!);
        Assert.Equal(secret.Metadata.Name, account.Secrets.Single().Name);
        Assert.Equal("127.0.0.1:9000", secret.Metadata.Annotations["serving.kserve.io/s3-endpoint"]);
        Assert.Equal("0", secret.Metadata.Annotations["serving.kserve.io/s3-usehttps"]);
        Assert.Equal("false", secret.Metadata.Annotations["serving.kserve.io/s3-usevirtualbucket"]);
    }

    private static async Task<(ModelDefinition Model, RunContext Run)> ModelAndRunAsync(TestModelProject project)
    {
        var model = project.Model();
        var context = await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken);
        return (model, RunContext.ForRender(model, context));
    }
}
