using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Kaptain.Build.Targets.Tests.Infrastructure;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;
using YamlDotNet.RepresentationModel;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// <c>dotnet new kaptain-model</c> as a user runs it: the packed Kaptain.Build.Templates installed from a local feed into
/// a template hive of the test's own (<c>--debug:custom-hive</c>, as dotnet/aspnetcore's template tests do in
/// src/ProjectTemplates/Shared/Project.cs, so the user's template cache is never touched), a project created for each framework, then <c>KaptainRender</c> and
/// <c>KaptainTrain</c> against the local cluster with the Kaptain.Build package from the same feed.
/// </summary>
[Collection(DotnetProcesses.Collection)]
public sealed class TemplateTests
{
    /// <summary>Long enough for a restore, an image build and a training on a busy 2-core machine.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    public static TheoryData<string, string, string> Frameworks => new()
    {
        { "pytorch", "PyTorchJob", "torchvision==" },
        { "tensorflow", "TFJob", "tensorflow-datasets==" },
    };

    public static TheoryData<string, string> TrainingKinds => new()
    {
        { "pytorch", "PyTorchJob" },
        { "tensorflow", "TFJob" },
    };

    [Theory]
    [MemberData(nameof(Frameworks))]
    public async Task A_new_project_from_the_packed_template_renders_every_step(string framework, string trainingKind, string requirement)
    {
        var package = await PackedPackage.GetAsync();
        using var work = new TempDirectory("kaptain-template-tests");
        var project = await NewProjectAsync(package, work, framework, "Mnist." + framework);

        string[] files = framework == "pytorch"
            ? [".dockerignore", "Directory.Build.rsp", "Mnist." + framework + ".proj", "README.md", "mnist_handler.py", "requirements.txt", "train.py"]
            : [".dockerignore", "Directory.Build.rsp", "Mnist." + framework + ".proj", "README.md", "requirements.txt", "train.py"];
        Assert.Equal(
            files,
            Directory.EnumerateFiles(project.Directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(project.Directory, f)).Order(StringComparer.Ordinal));
        var xml = XDocument.Load(project.File);
        Assert.Equal("Microsoft.Build.NoTargets/3.7.0", xml.Root!.Attribute("Sdk")?.Value);
        var reference = xml.Descendants("PackageReference").Single();
        Assert.Equal("Kaptain.Build", reference.Attribute("Include")?.Value);
        Assert.Equal(package.Version, reference.Attribute("Version")?.Value);
        Assert.Equal(framework, xml.Descendants("KaptainFramework").Single().Value);
        Assert.Equal("mnist-" + framework, xml.Descendants("KaptainModelId").Single().Value);
        Assert.Contains(requirement, await File.ReadAllTextAsync(Path.Combine(project.Directory, "requirements.txt"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        // The samples' training code: it uploads the trained model to KAPTAIN_MODEL_URI with boto3.
        var train = await File.ReadAllTextAsync(Path.Combine(project.Directory, "train.py"), TestContext.Current.CancellationToken);
        Assert.Contains("--model-dir", train, StringComparison.Ordinal);
        Assert.Contains("KAPTAIN_MODEL_URI", train, StringComparison.Ordinal);
        Assert.Contains("boto3", await File.ReadAllTextAsync(Path.Combine(project.Directory, "requirements.txt"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var readme = await File.ReadAllTextAsync(Path.Combine(project.Directory, "README.md"), TestContext.Current.CancellationToken);
        Assert.StartsWith("# Mnist." + framework, readme, StringComparison.Ordinal);
        Assert.Contains("dotnet build -t:KaptainTrain", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("placeholder", readme + xml, StringComparison.Ordinal);

        await RunAsync(Consumer(package, project, "build", "-t:KaptainRender"));

        var manifests = Path.Combine(project.Directory, "obj", "kaptain", "manifests");
        Assert.Equal(["Job", "Secret", "Secret"], RenderedManifests.Kinds(Path.Combine(manifests, "build.yaml")).Order(StringComparer.Ordinal));
        // Train and tune render the S3 Secret the training script uploads the trained model with.
        Assert.Equal(["Experiment", "Secret"], RenderedManifests.Kinds(Path.Combine(manifests, "tune.yaml")).Order(StringComparer.Ordinal));
        Assert.Equal(["InferenceService", "Secret", "ServiceAccount"], RenderedManifests.Kinds(Path.Combine(manifests, "publish.yaml")).Order(StringComparer.Ordinal));
        var trainManifests = RenderedManifests.Documents(Path.Combine(manifests, "train.yaml")).ToList();
        Assert.Equal(new[] { trainingKind, "Secret" }.Order(StringComparer.Ordinal), trainManifests.Select(RenderedManifests.Kind).Order(StringComparer.Ordinal));
        var job = trainManifests.Single(d => RenderedManifests.Kind(d) == trainingKind);
        var commands = job.AllNodes.OfType<YamlMappingNode>()
            .Where(n => n.Children.ContainsKey("command"))
            .Select(n => string.Join(' ', ((YamlSequenceNode)n["command"]).Select(c => c.ToString())))
            .ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Equal("python -u train.py", c));
    }

    [Theory]
    [MemberData(nameof(TrainingKinds))]
    public async Task A_new_project_from_the_packed_template_trains_on_the_local_cluster(string framework, string trainingKind)
    {
        var package = await PackedPackage.GetAsync();
        using var work = new TempDirectory("kaptain-template-tests");
        var project = await NewProjectAsync(package, work, framework, "mnist-" + framework);
        await using var servers = await LifecycleServers.StartAsync(Repository.FreshTasksAssembly, scenarios: null, TestContext.Current.CancellationToken);
        var @namespace = "template-" + framework;

        // A module next to train.py goes into the image; a folder the template's .dockerignore names does not.
        Directory.CreateDirectory(Path.Combine(project.Directory, "helpers"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "helpers", "data.py"), "BATCH = 64\n", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(project.Directory, "tests"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "tests", "test_train.py"), "def test(): pass\n", TestContext.Current.CancellationToken);
        servers.Cluster.Store.Create(BuiltInResources.Namespace, new JsonObject { ["metadata"] = new JsonObject { ["name"] = @namespace } });

        var result = await RunAsync(
            Consumer(
                    package, project, "build", "-t:KaptainTrain", "-tl:off", "-v:n",
                    $"-p:KaptainKubeconfig={servers.KubeconfigPath}",
                    $"-p:KaptainS3Endpoint={servers.S3.Endpoint.ToString().TrimEnd('/')}",
                    $"-p:KaptainRegistry={servers.Registry.Host}",
                    $"-p:KaptainNamespace={@namespace}",
                    $"-p:KaptainS3Bucket={@namespace}")
                .WithEnvironment("AWS_ACCESS_KEY_ID", servers.S3.AccessKey)
                .WithEnvironment("AWS_SECRET_ACCESS_KEY", servers.S3.SecretKey)
                .WithEnvironment("DOCKER_CONFIG", servers.DockerConfigDirectory)
                .WithEnvironment("KUBECONFIG", null)
                .WithEnvironment("KAPTAIN_SDK_FORCE_CLEANUP", null));

        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(project.Directory, "obj", "kaptain", "run-report-train.json"), TestContext.Current.CancellationToken))!;
        Assert.True(report["state"]?.GetValue<string>() == "Succeeded", $"The training did not succeed: {report}{Environment.NewLine}{result.Log}");
        var jobs = servers.ResourcesIn(@namespace).OfKind(trainingKind);
        var job = Assert.Single(jobs);
        Assert.Equal("mnist-" + framework, Kaptain.Build.Manifests.ManifestLabels.ModelIdOf(job.Object));
        Assert.Equal(trainingKind, report["jobKind"]?.GetValue<string>());
        Assert.Equal(job.Name, report["jobName"]?.GetValue<string>());

        // The training ran the image the build pushed, whose one layer is the build context (the simulated Kaniko pushes
        // the context as it was uploaded): the template's files and the module, not what .dockerignore leaves out.
        var image = System.Text.RegularExpressions.Regex.Match(job.Object.ToJsonString(), "\"image\":\"(?<image>[^\"]+)\"").Groups["image"].Value;
        Assert.StartsWith($"{servers.Registry.Host}/mnist-{framework}", image, StringComparison.Ordinal);
        var files = await ImageFilesAsync(servers.Registry.Endpoint, image[(servers.Registry.Host.Length + 1)..]);
        Assert.Contains("train.py", files);
        Assert.Contains("requirements.txt", files);
        Assert.Contains("helpers/data.py", files);
        Assert.Contains("Dockerfile", files);
        Assert.DoesNotContain(files, f => f.StartsWith("tests", StringComparison.Ordinal) || f.EndsWith(".proj", StringComparison.Ordinal));
    }

    /// <summary>
    /// Packs the template, installs it into a hive under <paramref name="work"/> and runs
    /// <c>dotnet new kaptain-model --framework {framework} -n {name}</c> in <paramref name="work"/>, which also gets the
    /// nuget.config of the run's feed.
    /// </summary>
    private static async Task<(string Directory, string File)> NewProjectAsync(PackedPackage package, TempDirectory work, string framework, string name)
    {
        var templates = await package.PackAsync(ShippedPackage.Templates);
        var hive = work.Combine("hive");
        var installed = await RunAsync(new DotnetCommand("new", "install", templates.PackageFile, "--debug:disable-sdk-templates", "--debug:custom-hive", hive) { WorkingDirectory = work.Path });
        Assert.Contains("kaptain-model", installed.Log, StringComparison.Ordinal);
        await RunAsync(new DotnetCommand(
                "new", "kaptain-model", "--framework", framework, "-n", name, "--no-update-check", "--debug:disable-sdk-templates", "--debug:custom-hive", hive)
            { WorkingDirectory = work.Path });

        // The user's own template cache does not know this package: the hive above was the only one used.
        var userHive = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".templateengine");
        if (Directory.Exists(userHive))
        {
            Assert.DoesNotContain(
                Directory.EnumerateFiles(userHive, "*", SearchOption.AllDirectories),
                f => f.Contains(package.Version, StringComparison.Ordinal) || (new FileInfo(f).Length < 1_000_000 && File.ReadAllText(f).Contains(package.Version, StringComparison.Ordinal)));
        }

        package.WriteNuGetConfig(work.Path);
        var directory = work.Combine(name);
        return (directory, Path.Combine(directory, name + ".proj"));
    }

    /// <summary>The files of the single layer of <paramref name="repositoryAndReference"/> (<c>repo:tag</c> or <c>repo@digest</c>).</summary>
    private static async Task<List<string>> ImageFilesAsync(Uri registry, string repositoryAndReference)
    {
        var at = repositoryAndReference.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? repositoryAndReference[..at] : repositoryAndReference;
        var colon = name.LastIndexOf(':');
        var repository = colon >= 0 ? name[..colon] : name;
        var reference = at >= 0 ? repositoryAndReference[(at + 1)..] : name[(colon + 1)..];
        using var http = new HttpClient { BaseAddress = registry };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repository}/manifests/{reference}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        // The model's files are the top layer (the only one the stand-in's Kaniko pushes; the one the append builder
        // adds to the base image).
        var layers = manifest["layers"]!.AsArray();
        Assert.NotEmpty(layers);
        var layer = layers[^1]!["digest"]!.GetValue<string>();

        await using var blob = await http.GetStreamAsync($"/v2/{repository}/blobs/{layer}", TestContext.Current.CancellationToken);
        await using var gzip = new GZipStream(blob, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var files = new List<string>();
        while (await tar.GetNextEntryAsync(cancellationToken: TestContext.Current.CancellationToken) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                // Relative to the image's work directory: the append builder's layer holds them under app/, as a
                // real image layer does for COPY . /app/.
                var path = entry.Name.TrimStart('.', '/');
                files.Add(path.StartsWith("app/", StringComparison.Ordinal) ? path["app/".Length..] : path);
            }
        }

        Assert.NotEmpty(files);
        return files;
    }

    private static DotnetCommand Consumer(PackedPackage package, (string Directory, string File) project, params string[] arguments)
    {
        var command = new DotnetCommand(arguments) { WorkingDirectory = project.Directory };
        foreach (var (name, value) in package.ConsumerEnvironment())
        {
            command.WithEnvironment(name, value);
        }

        return command;
    }

    private static async Task<DotnetCommandResult> RunAsync(DotnetCommand command)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(CommandTimeout);
        var result = await command.RunAsync(timeout.Token);
        result.EnsureExitCode();
        return result;
    }
}
