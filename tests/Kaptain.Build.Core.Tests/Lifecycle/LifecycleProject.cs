using System.Text.Json.Nodes;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.LocalCluster.Api;

namespace Kaptain.Build.Core.Tests.Lifecycle;

/// <summary>
/// A model project for one lifecycle test: its own folder, its own model and its own namespace on the shared cluster,
/// so that "what is left" is every object in that namespace.
/// </summary>
internal sealed class LifecycleProject : IDisposable
{
    private readonly LifecycleServers? servers;
    private readonly Kaptain.Testing.S3Server s3;

    public LifecycleProject(LifecycleServers servers, string name, string framework = "pytorch")
        : this(servers.S3, servers.Registry.Host, servers.KubeconfigPath, servers.DockerConfigDirectory, name, framework)
    {
        this.servers = servers;
        servers.Cluster.Store.Create(BuiltInResources.Namespace, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",

            // Enabled for Katib's metrics collector, as a tuning namespace must be (KAPT1030).
            ["metadata"] = new JsonObject { ["name"] = Namespace, ["labels"] = new JsonObject { ["katib.kubeflow.org/metrics-collector-injection"] = "enabled" } },
        });
    }

    /// <summary>
    /// A project on other servers (the real control plane's): the caller creates its namespace (<see cref="Namespace"/>)
    /// through the API; <see cref="Resources"/> reads the stand-in's store and is not available.
    /// </summary>
    public LifecycleProject(Kaptain.Testing.S3Server s3, string registryHost, string kubeconfigPath, string dockerConfigDirectory, string name, string framework = "pytorch")
    {
        this.s3 = s3;
        Name = $"{name}-{Guid.NewGuid().ToString("n")[..6]}";
        Namespace = "t-" + Name;
        Directory = Path.Combine(Path.GetTempPath(), "kaptain-lifecycle-tests", "projects", Name);
        System.IO.Directory.CreateDirectory(Directory);
        Intermediate = Path.Combine(Directory, "obj", "kaptain");
        Write("train.py", "import argparse\nprint('accuracy=0.9')\n");
        Write("requirements.txt", "numpy==1.26.4\n");
        Properties = new Dictionary<string, string>
        {
            [ModelProperties.ModelId] = "tests/" + Name,
            [ModelProperties.ModelName] = Name,
            [ModelProperties.Framework] = framework,
            [ModelProperties.MainFile] = "train.py",
            [ModelProperties.RequirementsFile] = "requirements.txt",
            [ModelProperties.Registry] = registryHost,
            [ModelProperties.RegistryInsecure] = "true",
            [ModelProperties.S3Endpoint] = s3.Endpoint.GetLeftPart(UriPartial.Authority),
            [ModelProperties.Kubeconfig] = kubeconfigPath,
            [ModelProperties.Namespace] = Namespace,
            [ModelProperties.Objectives] = "accuracy",

            // The post-Ready check runs in every publish, briefly: the tests of the check set their own window.
            [ModelProperties.PublishStableSeconds] = "1",
        };
        Environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = s3.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey,
            ["DOCKER_CONFIG"] = dockerConfigDirectory,
            ["HOME"] = Directory,
        };
        Items =
        [
            Item(ModelItemTypes.Hyperparameter, "epochs", ("Value", "2")),
            Item(ModelItemTypes.Hyperparameter, "lr", ("Value", "0.05")),
            Item(ModelItemTypes.SearchParameter, "lr", ("Type", "double"), ("Min", "0.001"), ("Max", "0.1")),
            Item(ModelItemTypes.SearchParameter, "optimizer", ("Type", "categorical"), ("Values", "adam;sgd")),
        ];
    }

    public string Name { get; }

    public string Namespace { get; }

    public string Directory { get; }

    public string Intermediate { get; }

    public string ModelId => "tests/" + Name;

    public Dictionary<string, string> Properties { get; }

    public Dictionary<string, string> Environment { get; }

    public List<ModelItem> Items { get; }

    public RecordingLog Log { get; } = new();

    public static ModelItem Item(string type, string spec, params (string Name, string Value)[] metadata) =>
        new(type, spec, metadata.ToDictionary(m => m.Name, m => m.Value));

    /// <summary>Sets the scenario of the training and serving containers (Contract 4) through an environment item.</summary>
    public void Scenario(string scenario) =>
        Items.Add(Item(ModelItemTypes.EnvironmentVariable, "LOCAL_CLUSTER_SCENARIO", ("Value", scenario)));

    /// <summary>
    /// Makes the project publishable without a training run: puts a model in the layout its framework's predictor loads
    /// (<see cref="Kaptain.Testing.ServableModel"/>; the predictor pod's storage initializer checks it) at
    /// <c>s3://models-{Name}/mnist</c> and points <c>KaptainModelUri</c> at it. Returns that URI.
    /// </summary>
    public async Task<string> PutServableModelAsync(CancellationToken cancellationToken)
    {
        var uri = await Kaptain.Testing.ServableModel.PutAsync(s3, "models-" + Name, "mnist", Properties[ModelProperties.Framework], Name, cancellationToken);
        Properties[ModelProperties.ModelUri] = uri;
        return uri;
    }

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public ModelDefinition Model()
    {
        var result = ModelDefinitionReader.Read(new ModelInput
        {
            ProjectDirectory = Directory,
            Properties = new Dictionary<string, string>(Properties),
            Items = [.. Items],
            Environment = new Dictionary<string, string>(Environment),
        });
        Assert.True(result.Succeeded, string.Join(System.Environment.NewLine, result.Diagnostics));
        return result.Model!;
    }

    public LifecycleOptions Options(ImageReference? image = null, string? runId = null, RecordingLog? log = null) => new()
    {
        Model = Model(),
        IntermediateDirectory = Intermediate,
        Log = log ?? Log,
        Environment = new Dictionary<string, string>(Environment),
        Image = image,
        RunId = runId,
        CleanupTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>Every object in the project's namespace except Events and the default service account, as <c>Kind/name</c>, each with its controlling owner as <c>Kind/name</c> (or null).</summary>
    public IReadOnlyList<(string Resource, string? Owner)> Resources()
    {
        var store = (servers ?? throw new InvalidOperationException("Only a project on the stand-in reads its store.")).Cluster.Store;
        var found = new List<(string, string?)>();
        foreach (var type in store.Resources.All.Where(t => t.Namespaced && t.Kind != "Event"))
        {
            foreach (var item in store.List(type, Namespace).Items)
            {
                // Every namespace has its default service account and kube-root-ca.crt ConfigMap; they are not a run's.
                var name = item["metadata"]?["name"]?.GetValue<string>();
                if ((type.Kind == "ServiceAccount" && name == "default") || (type.Kind == "ConfigMap" && name == "kube-root-ca.crt"))
                {
                    continue;
                }

                // Nor is the root CA ConfigMap the cluster publishes into every namespace.
                if (type.Kind == "ConfigMap" && item["metadata"]?["name"]?.GetValue<string>() == "kube-root-ca.crt")
                {
                    continue;
                }

                // The controller; else the first owner (a run's S3 Secret is a dependent of the job that reads it).
                var owners = (item["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
                var owner = owners.FirstOrDefault(o => o["controller"]?.GetValue<bool>() == true) ?? owners.FirstOrDefault();
                found.Add(($"{type.Kind}/{item["metadata"]!["name"]!.GetValue<string>()}",
                    owner is null ? null : $"{owner["kind"]!.GetValue<string>()}/{owner["name"]!.GetValue<string>()}"));
            }
        }

        return found.OrderBy(f => f.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>The objects in the namespace that no other object owns (what a run created and left, not what controllers made of it).</summary>
    public IReadOnlyList<string> TopLevelResources() =>
        [.. Resources().Where(r => r.Owner is null).Select(r => r.Resource)];

    /// <summary>What runs left: the top-level objects (the namespace's default service account is never listed).</summary>
    public IReadOnlyList<string> LeftByRuns() => TopLevelResources();

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
