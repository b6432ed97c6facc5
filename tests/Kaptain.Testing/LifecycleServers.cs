using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Operators;
using Kaptain.Testing.ControlPlane;

namespace Kaptain.Testing;

/// <summary>
/// What a model build runs against, on 127.0.0.1: a cluster (<see cref="LifecycleEngine"/>: the local cluster in this
/// process, or upstream kube-apiserver + kube-controller-manager with the same simulated operators attached, both
/// with the suite's scenario file), s3rver and docker-registry, plus the kubeconfig and docker config a user would have. The
/// end-to-end tests share one for the whole run and the benchmarks start their own; each model build gets a project
/// copy with its own namespace, model id, image and bucket (<see cref="NewProject"/>).
/// </summary>
public sealed class LifecycleServers : IAsyncDisposable
{
    /// <summary>
    /// S3 credentials the stand-in's simulated training accepts besides the S3 server's own (s3rver accepts any), with a
    /// secret key that appears nowhere else: for tests that check a secret never leaks into what a build prints or writes.
    /// </summary>
    public static (string AccessKey, string SecretKey) CanaryS3 { get; } = ($"canary{Guid.NewGuid():N}"[..20], $"AwsSecret{Guid.NewGuid():N}");

    private readonly LocalClusterServer? _local;
    private readonly SimulatedOperators? _operators;
    private int _projects;

    private LifecycleServers(string tasksAssembly, string workDirectory, S3Server s3, ContainerRegistry registry, ApiServerUnderTest api, LocalClusterServer? local, SimulatedOperators? operators)
    {
        TasksAssembly = tasksAssembly;
        WorkDirectory = workDirectory;
        S3 = s3;
        Registry = registry;
        Api = api;
        _local = local;
        _operators = operators;
    }

    /// <summary>The local cluster (only with <see cref="LifecycleEngine.LocalCluster"/>); its store shows what a build left behind.</summary>
    public LocalClusterServer Cluster => _local ?? throw new InvalidOperationException($"{Api.Name} is not the local cluster: read it through {nameof(Api)}.");

    /// <summary>The cluster's API server (either engine): what the builds and the assertions talk to.</summary>
    public ApiServerUnderTest Api { get; }

    /// <summary>The S3 server the builds upload the image build context to.</summary>
    public S3Server S3 { get; }

    /// <summary>The registry Kaniko pushes to.</summary>
    public ContainerRegistry Registry { get; }

    /// <summary>The task assembly the project copies load.</summary>
    public string TasksAssembly { get; }

    /// <summary>The folder for the kubeconfig, the docker config and the project copies.</summary>
    public string WorkDirectory { get; }

    /// <summary>The kubeconfig of <see cref="Cluster"/> (passed with <c>-p:KaptainKubeconfig</c>).</summary>
    public string KubeconfigPath => Path.Combine(WorkDirectory, "kubeconfig");

    /// <summary>The folder with the docker <c>config.json</c> for <see cref="Registry"/> (passed as <c>DOCKER_CONFIG</c>).</summary>
    public string DockerConfigDirectory => Path.Combine(WorkDirectory, "docker");

    /// <summary>Starts the servers.</summary>
    /// <param name="tasksAssembly">The built <c>Kaptain.Build.Tasks.dll</c> the project copies use.</param>
    /// <param name="scenarios">The cluster's scenario file (<c>KIND NAME-PATTERN SCENARIO</c> lines), or null.</param>
    /// <param name="cancellationToken">Stops starting.</param>
    public static Task<LifecycleServers> StartAsync(string tasksAssembly, string? scenarios, CancellationToken cancellationToken) =>
        StartAsync(tasksAssembly, scenarios, LifecycleEngine.LocalCluster, cancellationToken);

    /// <summary>Starts the servers with the cluster of <paramref name="engine"/>.</summary>
    /// <param name="tasksAssembly">The built <c>Kaptain.Build.Tasks.dll</c> the project copies use.</param>
    /// <param name="scenarios">The cluster's scenario file (<c>KIND NAME-PATTERN SCENARIO</c> lines), or null.</param>
    /// <param name="engine">The local cluster, or the real control plane (<see cref="EnvtestAssets"/> must be there).</param>
    /// <param name="cancellationToken">Stops starting.</param>
    public static async Task<LifecycleServers> StartAsync(string tasksAssembly, string? scenarios, LifecycleEngine engine, CancellationToken cancellationToken)
    {
        if (!File.Exists(tasksAssembly))
        {
            throw new InvalidOperationException($"The task assembly {tasksAssembly} is missing: build src/Kaptain.Build.Tasks first.");
        }

        var workDirectory = Directory.CreateTempSubdirectory("kaptain-lifecycle-").FullName;
        var options = new LocalClusterOptions();
        var s3 = S3Server.StartAsync(cancellationToken: cancellationToken);
        var registry = ContainerRegistry.StartAsync(cancellationToken: cancellationToken);

        // The scenario file names the object store's credentials too: a simulated training upload with other ones fails,
        // as it would against a real S3 (s3rver checks no signature).
        options.ScenarioFile = Path.Combine(workDirectory, "scenarios.txt");
        // A second pair, for tests that look for a secret's value in what the build writes (it must be one no other
        // part of the suite uses, and the simulated training must still accept it).
        var canary = $"{Kaptain.LocalCluster.Simulation.ScenarioFile.S3CredentialsDirective} {CanaryS3.AccessKey} {CanaryS3.SecretKey}\n";
        await File.WriteAllTextAsync(options.ScenarioFile, (await s3.ConfigureAwait(false)).ScenarioCredentialsLine() + canary + (scenarios ?? string.Empty), cancellationToken).ConfigureAwait(false);
        LifecycleServers servers;
        if (engine == LifecycleEngine.LocalCluster)
        {
            Kaptain.LocalCluster.Controllers.SimulatedControllers.AddTo(options);
            var cluster = await StandInApiServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
            servers = new LifecycleServers(tasksAssembly, workDirectory, await s3.ConfigureAwait(false), await registry.ConfigureAwait(false), cluster, cluster.Server, null);
            await cluster.Server.WriteKubeconfigAsync(servers.KubeconfigPath, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var assets = EnvtestAssets.Find(out var reason) ?? throw new InvalidOperationException(reason);
            var plane = await RealControlPlane.StartAsync(assets, cancellationToken).ConfigureAwait(false);
            SimulatedOperators operators;
            try
            {
                using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(plane.AdminKubeconfig()));
                var configuration = await k8s.KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(kubeconfig).ConfigureAwait(false);
                operators = await SimulatedOperators.AttachAsync(configuration, options.ScenarioFile, null, simulateBuiltIn: !plane.HasControllers, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await plane.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            servers = new LifecycleServers(tasksAssembly, workDirectory, await s3.ConfigureAwait(false), await registry.ConfigureAwait(false), plane, null, operators);
            await File.WriteAllTextAsync(servers.KubeconfigPath, plane.AdminKubeconfig(), cancellationToken).ConfigureAwait(false);
        }

        servers.Registry.WriteDockerConfig(servers.DockerConfigDirectory);
        return servers;
    }

    /// <summary>
    /// Copies <paramref name="sample"/> (a folder under <c>samples/</c>) to a new folder wired to this source tree's
    /// targets and <see cref="TasksAssembly"/>, with a model id, namespace, image and bucket of its own; creates the
    /// namespace.
    /// </summary>
    /// <param name="sample">The sample's folder name, e.g. <c>mnist-pytorch</c>.</param>
    /// <param name="name">A short name (lowercase letters, digits, dashes; starting with a letter) that starts the model
    /// name, so that a scenario file can script the project's workloads by name.</param>
    public SampleProject NewProject(string sample, string name)
    {
        var id = $"{name}-{Interlocked.Increment(ref _projects)}";
        var project = SampleProject.Create(this, sample, id);
        Cluster.Store.Create(BuiltInResources.Namespace, new JsonObject { ["metadata"] = new JsonObject { ["name"] = project.Namespace, ["labels"] = new JsonObject { ["katib.kubeflow.org/metrics-collector-injection"] = "enabled" } } });
        return project;
    }

    /// <summary>What <paramref name="namespace"/> holds now.</summary>
    public ClusterResources ResourcesIn(string @namespace) => ClusterResources.In(Cluster, @namespace);

    /// <summary>
    /// Like <see cref="NewProject"/> on either engine: the namespace is created through the API (and, where
    /// kube-controller-manager runs, its <c>default</c> ServiceAccount awaited, without which no pod can be created).
    /// </summary>
    public async Task<SampleProject> NewProjectAsync(string sample, string name, CancellationToken cancellationToken)
    {
        var id = $"{name}-{Interlocked.Increment(ref _projects)}";
        var project = SampleProject.Create(this, sample, id);
        if (await NewNamespaceAsync(project.Namespace, Path.Combine(project.Directory, "..", "kubeconfig"), cancellationToken).ConfigureAwait(false) is { } kubeconfig)
        {
            project.KubeconfigPath = kubeconfig;
            project.UnderShippedRoles = true;
        }

        return project;
    }

    /// <summary>
    /// Creates <paramref name="namespace"/> through the API (either engine; where kube-controller-manager runs, its
    /// <c>default</c> ServiceAccount is awaited, without which no pod can be created). On the real control plane a build
    /// runs as a user of the shipped Roles would: a ServiceAccount bound to those Roles and nothing else, so that what
    /// they do not grant is a 403 (<see cref="ForbiddenRequestsOf"/>, <see cref="ApiServerUnderTest.ForbiddenRequests"/>
    /// list them); its kubeconfig is written to <paramref name="kubeconfigPath"/> and the path returned. On the local
    /// cluster the builds use the admin kubeconfig (<see cref="KubeconfigPath"/>) and null is returned.
    /// </summary>
    public async Task<string?> NewNamespaceAsync(string @namespace, string kubeconfigPath, CancellationToken cancellationToken)
    {
        using var http = Api.CreateHttpClient();
        await ApiServerUnderTest.SendAsync(http, HttpMethod.Post, "api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = @namespace, ["labels"] = new JsonObject { ["katib.kubeflow.org/metrics-collector-injection"] = "enabled" } } }, cancellationToken).ConfigureAwait(false);
        if (_local is null && Api.HasControllers)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(60));
            while (true)
            {
                using var response = await http.GetAsync(new Uri($"api/v1/namespaces/{@namespace}/serviceaccounts/default", UriKind.Relative), deadline.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
            }
        }

        if (_local is not null)
        {
            return null;
        }

        var account = await Api.ServiceAccountAsync(@namespace, ShippedRoles.AccountName, ShippedRoles.Load(), cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(kubeconfigPath))!);
        await File.WriteAllTextAsync(kubeconfigPath, account.KubeconfigYaml, cancellationToken).ConfigureAwait(false);
        return kubeconfigPath;
    }

    /// <summary>The requests of <paramref name="project"/>'s builds that the server refused with 403 (on the real
    /// control plane, from its audit log; none recorded on the local cluster).</summary>
    public IReadOnlyList<string> ForbiddenRequestsOf(SampleProject project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return Api.ForbiddenRequests(project.Namespace);
    }

    /// <summary>
    /// Fails when the server refused a request of the builds of <paramref name="projects"/> that ran as a ServiceAccount
    /// bound only to the shipped Roles (403, from its audit log; see <see cref="ForbiddenRequestsOf"/>), also one the
    /// client handled (a warning, a fallback): the shipped Roles must grant everything the lifecycle does.
    /// </summary>
    public void AssertShippedRolesSufficed(IEnumerable<SampleProject> projects)
    {
        var forbidden = projects.Where(p => p.UnderShippedRoles).SelectMany(ForbiddenRequestsOf).ToList();
        if (forbidden.Count > 0)
        {
            throw new Xunit.Sdk.XunitException($"Requests the shipped Roles (samples/rbac) do not grant, refused with 403:{Environment.NewLine}{string.Join(Environment.NewLine, forbidden)}");
        }
    }

    /// <summary>What <paramref name="namespace"/> holds now, read through the API (either engine), once the token
    /// controller has removed the token Secrets of ServiceAccounts that are gone (bounded; see
    /// <see cref="ClusterResources.ReadSettledAsync"/>).</summary>
    public Task<ClusterResources> ResourcesInAsync(string @namespace, CancellationToken cancellationToken) =>
        ClusterResources.ReadSettledAsync(Api, @namespace, TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>Records every change (not bookmarks) of <paramref name="type"/> in <paramref name="namespace"/> into
    /// <paramref name="writes"/> until cancelled: a list, then a watch from the list's resourceVersion.</summary>
    public async Task WatchWritesAsync(ResourceType type, string @namespace, List<string> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(writes);
        using var http = Api.CreateHttpClient();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var path = ClusterResources.CollectionPath(type, @namespace);
        var list = await ApiServerUnderTest.SendAsync(http, HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        var from = list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "0";
        try
        {
            using var response = await http.GetAsync(new Uri($"{path}?watch=true&allowWatchBookmarks=true&resourceVersion={from}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject change || change["type"]?.GetValue<string>() is "BOOKMARK" or null)
                {
                    continue;
                }

                lock (writes)
                {
                    writes.Add($"{change["type"]} {type.Kind}/{change["object"]?["metadata"]?["name"]}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Done watching.
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            // Done watching.
        }
    }

    /// <summary>Stops the servers and deletes the work folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_operators is not null)
        {
            await _operators.DisposeAsync().ConfigureAwait(false);
        }

        await Api.DisposeAsync().ConfigureAwait(false);
        await S3.DisposeAsync().ConfigureAwait(false);
        await Registry.DisposeAsync().ConfigureAwait(false);
        TemporaryDirectory.Delete(WorkDirectory);
    }
}
