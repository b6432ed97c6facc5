using System.Security;
using System.Text.RegularExpressions;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Kaptain.Build.Reliability.Tests.Corpus;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// The bad input corpus: every malformed project ends with its KAPT code and the cluster sees no request that changes
/// anything. Runs in-process through the core reader and the image step, and a few through <c>dotnet build</c>. The
/// cases run one after another so that the mutating requests counted belong to this class alone: on the local cluster
/// every one it receives (its own counter), on the real control plane every one the runs' ServiceAccount made (the
/// kube-apiserver's audit log). What the namespace and the cluster's namespaces hold is read through the API before
/// and after.
/// </summary>
public abstract partial class BadInputTests(ReliabilityServers fixture) : ReliabilityTest(fixture)
{
    private const string Namespace = "corpus";

    // The namespace the KAPT1013 case names, which does not exist.
    private const string MissingNamespace = "no-such-namespace";

    [Fact]
    public async Task Every_malformed_project_ends_with_its_code_before_any_mutating_request()
    {
        Assert.True(BadInputCorpus.All.Count >= 50);
        var kubeconfig = await NamespaceAsync(Namespace);
        var failures = new List<string>();
        long mutating = 0;
        long rejected = 0;
        var storeBefore = await NamespacedObjectsAsync();
        var matched = 0;
        for (var i = 0; i < BadInputCorpus.All.Count; i++)
        {
            var @case = BadInputCorpus.All[i];
            var before = MutatingRequests();
            var codes = await RunInProcessAsync(@case, Path.Combine(Servers.WorkDirectory, "corpus", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), i, kubeconfig);
            var seen = MutatingRequests() - before;
            mutating += seen;
            rejected += @case.RejectedCreates;
            seen -= @case.RejectedCreates;
            if (codes.Contains(ExpectedCode(@case)))
            {
                matched++;
            }
            else
            {
                failures.Add($"{@case}: got [{string.Join(", ", codes)}], expected {ExpectedCode(@case)}");
            }

            if (seen > 0)
            {
                failures.Add($"{@case}: {seen} mutating requests");
            }
        }

        Record("Bad input (in-process)", "cases", BadInputCorpus.All.Count, ">= 50");
        Record("Bad input (in-process)", "cases ending with the expected code", matched, "all");
        Record("Bad input (in-process)", "mutating requests seen by the cluster", mutating, "0 (+1 rejected namespace probe)");
        var storeAfter = await NamespacedObjectsAsync();
        var changed = storeBefore.Except(storeAfter).Concat(storeAfter.Except(storeBefore)).Select(o => o[..o.LastIndexOf('@')]).Distinct().ToList();
        Record("Bad input (in-process)", "changes to the namespace and the namespaces (read through the API)", changed.Count, "0");
        Assert.True(changed.Count == 0, "objects created, changed or removed by bad input: " + string.Join(", ", changed));
        Assert.Equal(rejected, mutating);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task Malformed_projects_fail_with_their_code_through_dotnet_build_before_any_mutating_request()
    {
        var kubeconfig = await NamespaceAsync(Namespace);
        var cases = ReliabilityServers.Full ? BadInputCorpus.ThroughMSBuild : BadInputCorpus.ThroughMSBuild.Take(2).ToList();
        var failures = new List<string>();
        long mutating = 0;
        var matched = 0;
        for (var i = 0; i < cases.Count; i++)
        {
            var @case = cases[i];
            var root = Path.Combine(Servers.WorkDirectory, "corpus-msbuild", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var directory = Path.Combine(root, "mnist-pytorch");
            var project = @case.Write(RepositoryPaths.Combine("samples", "mnist-pytorch"), directory);
            WireToSourceTree(root);
            var environment = BaseEnvironment(directory);
            @case.Arrange?.Invoke(directory, environment);

            var command = new DotnetCommand(
                    "build", project, "-t:KaptainTrain", "-tl:off", "-v:n", "-nologo", "-nr:false",
                    $"-p:KaptainKubeconfig={kubeconfig}",
                    $"-p:KaptainS3Endpoint={Servers.S3.Endpoint.ToString().TrimEnd('/')}",
                    $"-p:KaptainRegistry={Servers.Registry.Host}",
                    $"-p:KaptainNamespace={Namespace}")
                { WorkingDirectory = directory }
                .WithEnvironment("KUBECONFIG", null)
                .WithEnvironment("AWS_ACCESS_KEY_ID", environment.GetValueOrDefault("AWS_ACCESS_KEY_ID"))
                .WithEnvironment("AWS_SECRET_ACCESS_KEY", environment.GetValueOrDefault("AWS_SECRET_ACCESS_KEY"))
                .WithEnvironment("DOCKER_CONFIG", environment.GetValueOrDefault("DOCKER_CONFIG"));
            var before = MutatingRequests();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(4));
            var result = await command.RunAsync(timeout.Token);
            var seen = MutatingRequests() - before;
            mutating += seen;
            var codes = ErrorCodes().Matches(result.Log).Select(m => m.Groups[1].Value).Distinct().ToList();
            if (result.ExitCode != 0 && codes.Contains(ExpectedCode(@case)))
            {
                matched++;
            }
            else
            {
                failures.Add($"{@case}: exit {result.ExitCode}, errors [{string.Join(", ", codes)}]{Environment.NewLine}{result.Log}");
            }

            if (seen > 0)
            {
                failures.Add($"{@case}: {seen} mutating requests");
            }
        }

        Record("Bad input (dotnet build -t:KaptainTrain)", "cases", cases.Count);
        Record("Bad input (dotnet build -t:KaptainTrain)", "cases ending with the expected code", matched, "all");
        Record("Bad input (dotnet build -t:KaptainTrain)", "mutating requests seen by the cluster", mutating, "0");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private async Task<IReadOnlyList<string>> RunInProcessAsync(BadInputCase @case, string directory, int index, string kubeconfig)
    {
        var project = @case.Write(RepositoryPaths.Combine("samples", "mnist-pytorch"), directory);
        var environment = BaseEnvironment(directory);
        @case.Arrange?.Invoke(directory, environment);
        var extra = new Dictionary<string, string>
        {
            ["KaptainKubeconfig"] = kubeconfig,
            ["KaptainS3Endpoint"] = Servers.S3.Endpoint.ToString().TrimEnd('/'),
            ["KaptainRegistry"] = Servers.Registry.Host,
            ["KaptainNamespace"] = Namespace,

            // An image of its own, so that no case finds a pushed image and skips the step's cluster work.
            ["KaptainImageName"] = $"corpus/case-{index}",
        };
        foreach (var name in @case.Properties.Keys)
        {
            extra.Remove(name);
        }

        var read = ModelDefinitionReader.Read(ProjectFile.Read(project, extra, environment));
        if (!read.Succeeded)
        {
            return [.. read.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Code)];
        }

        try
        {
            await KaptainLifecycle.BuildImageAsync(
                new LifecycleOptions { Model = read.Model!, IntermediateDirectory = Path.Combine(directory, "obj", "kaptain"), Environment = environment },
                TestContext.Current.CancellationToken);
            return ["(succeeded)"];
        }
        catch (KaptainException e)
        {
            return [.. e.Diagnostics.Select(d => d.Code)];
        }
    }

    // The case's code on this server. A missing namespace is a 404 of the first create for a user who may create there
    // (KAPT1013: the local cluster's admin); the real control plane's runs are a ServiceAccount whose Roles are bound in
    // its own namespace only, and kube-apiserver authorizes a request before it looks up what it names (the handler
    // chain's WithAuthorization precedes the REST storage: kubernetes/kubernetes
    // staging/src/k8s.io/apiserver/pkg/server/config.go, DefaultBuildHandlerChain), so the same create is a 403 there:
    // KAPT1008, which names the namespace. Either way the one rejected create changes nothing.
    private string ExpectedCode(BadInputCase @case) =>
        Engine == LifecycleEngine.RealControlPlane && @case.ExpectedCode == "KAPT1013" ? "KAPT1008" : @case.ExpectedCode;

    /// <inheritdoc />
    protected override bool IsExpectedForbidden(string request) =>
        request.Contains($"/namespaces/{MissingNamespace}/", StringComparison.Ordinal);

    // The requests that would change something: on the local cluster every one it received, on the real control plane
    // every one the corpus namespace's ServiceAccount (the runs' identity there) made, from the audit log.
    private long MutatingRequests() => Servers.Api is Kaptain.Testing.ControlPlane.RealControlPlane plane ? plane.MutatingRequests(Namespace).Count : Servers.Cluster.Context.MutatingRequests;

    // Every object in the corpus's namespace, and every namespace, with its resourceVersion, read through the API: what
    // a model project's steps could create or change. The cluster's own resourceVersion is not the measure: the
    // simulated kubelet renews its Node's heartbeat every 10 s (as a kubelet does), and earlier tests' objects elsewhere
    // may still be finishing.
    private async Task<HashSet<string>> NamespacedObjectsAsync()
    {
        var objects = (await ClusterResources.ReadAsync(Servers.Api, Namespace, Token)).All
            .Select(r => $"{r.Kind} {Namespace}/{r.Name}@{r.Object["metadata"]?["resourceVersion"]}")
            .ToHashSet(StringComparer.Ordinal);
        using var http = Servers.Api.CreateHttpClient();
        var namespaces = await ApiServerUnderTest.SendAsync(http, HttpMethod.Get, "api/v1/namespaces", null, Token);
        foreach (var item in namespaces["items"]?.AsArray() ?? [])
        {
            objects.Add($"Namespace {item?["metadata"]?["name"]}@{item?["metadata"]?["resourceVersion"]}");
        }

        return objects;
    }

    private Dictionary<string, string> BaseEnvironment(string directory) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = Servers.S3.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = Servers.S3.SecretKey,
        ["DOCKER_CONFIG"] = Servers.DockerConfigDirectory,
        ["HOME"] = directory,
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "",
        ["KAPTAIN_TEST_REGISTRY"] = Servers.Registry.Host,
    };

    private void WireToSourceTree(string root)
    {
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), $"""
            <Project>
              <PropertyGroup><ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps></PropertyGroup>
              <Import Project="{SecurityElement.Escape(RepositoryPaths.Combine("targets", "Kaptain.Build.props"))}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), $"""
            <Project>
              <PropertyGroup><KaptainTasksAssembly>{SecurityElement.Escape(Servers.TasksAssembly)}</KaptainTasksAssembly></PropertyGroup>
              <Import Project="{SecurityElement.Escape(RepositoryPaths.Combine("targets", "Kaptain.Build.targets"))}" />
            </Project>
            """);
    }

    [GeneratedRegex(@"error (KAPT\d{4})")]
    private static partial Regex ErrorCodes();
}
