// The repository's own build: Build, Test, Pack and Demo. Run it with ./build.sh --target=<name> (which installs the
// servers the tests and the demo need), or `dotnet tool restore && dotnet cake build/build.cake --target=<name>`.
using System.Diagnostics;
using System.Text.RegularExpressions;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory(".."));
var solution = root.CombineWithFilePath("Kaptain.Build.sln");
var artifacts = root.Combine("artifacts");
var packages = artifacts.Combine("packages");
var version = Argument("package-version", "0.1.0-local." + DateTime.UtcNow.ToString("yyyyMMddHHmmss"));

Task("Build")
    .Does(() => DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration }));

Task("Test")
    .Description("Runs every test suite and ends with the line 'N passed, N failed, N skipped'.")
    .Does(() =>
{
    var results = artifacts.Combine("test-results");
    CleanDirectory(results);
    // A test project that runs no test ends with exit code 8 (Microsoft.Testing.Platform) and fails the run: a suite
    // that silently stopped finding its tests must not pass.
    var arguments = new ProcessArgumentBuilder()
        .Append("test").AppendQuoted(solution.FullPath)
        .Append("-c").Append(configuration)
        .Append("--report-xunit-trx").Append("--results-directory").AppendQuoted(results.FullPath);
    // Every suite runs, the lifecycle suites on the real control plane (EndToEnd's RealControlPlane classes, Cake's
    // SampleScriptLifecycleOnRealControlPlaneTests) included. --lifecycle-on-real-control-plane, which once added them,
    // is accepted and changes nothing.
    if (HasArgument("lifecycle-on-real-control-plane"))
    {
        Information("--lifecycle-on-real-control-plane: the lifecycle suites on the real control plane always run now.");
    }

    var started = DateTime.UtcNow;
    var exitCode = StartProcess("dotnet", new ProcessSettings { Arguments = arguments, WorkingDirectory = root });

    // The reliability suite's figures, as its run wrote them (the README quotes this table): the test host's own
    // output does not reach this log, so the table is printed here, when this run wrote it.
    var reliability = artifacts.Combine("reliability").CombineWithFilePath("results.md");
    if (FileExists(reliability) && System.IO.File.GetLastWriteTimeUtc(reliability.FullPath) >= started)
    {
        Console.WriteLine(System.IO.File.ReadAllText(reliability.FullPath));
    }

    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in GetFiles(results.FullPath + "/*.trx"))
    {
        var counters = Regex.Match(System.IO.File.ReadAllText(trx.FullPath), "<Counters [^>]*>").Value;
        int Count(string name) => int.TryParse(Regex.Match(counters, $" {name}=\"(\\d+)\"").Groups[1].Value, out var n) ? n : 0;
        passed += Count("passed");
        failed += Count("executed") - Count("passed");
        skipped += Count("total") - Count("executed");
    }

    // The failed tests by name, with the first lines of their message: the test host's own listing can scroll out of
    // the part of a CI log that is kept.
    foreach (var trx in GetFiles(results.FullPath + "/*.trx"))
    {
        var document = System.Xml.Linq.XDocument.Load(trx.FullPath);
        foreach (var result in document.Descendants().Where(e => e.Name.LocalName == "UnitTestResult" && (string)e.Attribute("outcome") == "Failed"))
        {
            var message = result.Descendants().Where(e => e.Name.LocalName == "ErrorInfo").SelectMany(e => e.Elements()).FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? string.Empty;
            var lines = message.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Take(6);
            Console.WriteLine($"FAILED {(string)result.Attribute("testName")}");
            foreach (var line in lines) Console.WriteLine("    " + (line.Length > 300 ? line.Substring(0, 300) + "..." : line));
        }
    }

    // A plain line, not Cake's (coloured) log: CI reads it. A test project that wrote no report (seen once for a
    // project with a failing test) is named, so that the line never reads as a clean run when it was not.
    var reports = GetFiles(results.FullPath + "/*.trx").Count;
    var projects = GetFiles("./tests/*/*.Tests.csproj").Count;
    var missing = reports < projects ? $" ({projects - reports} of {projects} test projects wrote no report; see the log above)" : string.Empty;
    Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped{missing}");
    if (exitCode != 0) throw new CakeException(exitCode, $"dotnet test failed (exit code {exitCode}).");
    if (passed + failed == 0) throw new CakeException("No test ran.");
});

Task("Pack")
    .Description("Packs Kaptain.Build, Cake.Kaptain and Kaptain.Build.Templates into artifacts/packages/, with one version.")
    .Does(() =>
{
    // One PackageVersion for all three: the template's new projects reference the Kaptain.Build of its own version.
    foreach (var project in new[]
    {
        "src/Kaptain.Build.Tasks/Kaptain.Build.Tasks.csproj",
        "src/Cake.Kaptain/Cake.Kaptain.csproj",
        "src/Kaptain.Build.Templates/Kaptain.Build.Templates.csproj",
    })
    {
        DotNetPack(root.CombineWithFilePath(project).FullPath, new DotNetPackSettings
        {
            Configuration = configuration,
            OutputDirectory = packages,
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("PackageVersion", version),
        });
    }
});

Task("Demo")
    .Description("Starts the local cluster and the S3 and registry servers, runs the lifecycle of samples/mnist-pytorch through the packed package, and stops everything.")
    .IsDependentOn("Pack")
    .Does(() =>
{
    var demo = MakeAbsolute(Directory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kaptain-demo-" + Guid.NewGuid().ToString("N")[..8])));
    EnsureDirectoryExists(demo);
    var servers = root.CombineWithFilePath("build/servers.sh").FullPath;
    Process cluster = null;
    try
    {
        // 1. The S3 server and the registry on free loopback ports.
        if (StartProcess("bash", new ProcessSettings { Arguments = $"\"{servers}\" start", WorkingDirectory = root }) != 0)
            throw new CakeException("build/servers.sh could not start the S3 server and the registry.");
        var state = System.IO.File.ReadAllLines(artifacts.CombineWithFilePath("servers/state").FullPath)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var s3Endpoint = $"http://127.0.0.1:{state["S3_PORT"]}";
        var registry = $"127.0.0.1:{state["REGISTRY_PORT"]}";

        // 2. The local cluster, as a user starts it; it prints a line with "ready" once it serves.
        // Its scenario file names the object store's credentials: the simulated training's upload is checked against
        // them, as a real S3 checks the signature (s3rver does not).
        var kubeconfig = demo.CombineWithFilePath("kubeconfig").FullPath;
        var scenarios = demo.CombineWithFilePath("scenarios.txt").FullPath;
        System.IO.File.WriteAllText(scenarios, "s3-credentials demo-access-key demo-secret-key\n");
        cluster = StartLocalCluster(kubeconfig, scenarios);

        // 3. Credentials where a user keeps them: a docker config and the AWS variables (s3rver takes any key).
        var dockerConfig = demo.Combine("docker");
        EnsureDirectoryExists(dockerConfig);
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("demo:demo-password"));
        System.IO.File.WriteAllText(dockerConfig.CombineWithFilePath("config.json").FullPath,
            "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");

        // 4. The sample as a user's project outside this repository, consuming the packed package.
        var project = CopySampleConsumingPackage("mnist-pytorch", demo);
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "demo-access-key",
            ["AWS_SECRET_ACCESS_KEY"] = "demo-secret-key",
            ["DOCKER_CONFIG"] = dockerConfig.FullPath,
            ["NUGET_PACKAGES"] = demo.Combine("nuget-packages").FullPath,
        };

        // Katib records trial metrics only in namespaces enabled for its metrics collector, as on a real cluster.
        var label = StartProcess("kubectl", new ProcessSettings
        {
            Arguments = $"--kubeconfig \"{kubeconfig}\" label namespace default katib.kubeflow.org/metrics-collector-injection=enabled --overwrite",
        });
        if (label != 0) throw new CakeException(label, "kubectl label namespace default failed.");

        // 5. The whole lifecycle, one step a build, as a user or a pipeline runs it.
        foreach (var step in new[] { "KaptainBuildImage", "KaptainTrain", "KaptainTune", "KaptainPublish", "KaptainUndeploy" })
        {
            // KaptainTrain's job writes the trained model to the model URI (the simulated training uploads a placeholder in
            // TorchServe's layout with the job's S3 credentials); KaptainPublish serves what it wrote.
            Information("");
            Information("==> dotnet build {0} -t:{1}", project.GetFilename(), step);
            var exit = StartProcess("dotnet", new ProcessSettings
            {
                Arguments = new ProcessArgumentBuilder()
                    .Append("build").AppendQuoted(project.FullPath).Append($"-t:{step}")
                    .Append("-nologo").Append("-v:n").Append("-clp:NoSummary")
                    .Append($"-p:KaptainKubeconfig={kubeconfig}")
                    .Append("-p:KaptainNamespace=default")
                    .Append($"-p:KaptainS3Endpoint={s3Endpoint}")
                    .Append($"-p:KaptainRegistry={registry}"),
                WorkingDirectory = project.GetDirectory(),
                EnvironmentVariables = environment,
            });
            if (exit != 0) throw new CakeException(exit, $"{step} failed (exit code {exit}).");
        }

        Information("");
        Information("The lifecycle ran. Against a real cluster, set KaptainKubeconfig (or KUBECONFIG), KaptainS3Endpoint and KaptainRegistry, and the same credentials.");
    }
    finally
    {
        if (cluster is not null && !cluster.HasExited)
        {
            cluster.Kill(entireProcessTree: true);
            cluster.WaitForExit();
        }

        StartProcess("bash", new ProcessSettings { Arguments = $"\"{servers}\" stop", WorkingDirectory = root });
        DeleteDirectory(demo, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
});

Process StartLocalCluster(string kubeconfig, string scenarios)
{
    var project = root.CombineWithFilePath("src/Kaptain.LocalCluster/Kaptain.LocalCluster.csproj").FullPath;
    DotNetBuild(project, new DotNetBuildSettings { Configuration = configuration });
    var start = new ProcessStartInfo("dotnet")
    {
        ArgumentList = { "run", "--no-build", "-c", configuration, "--project", project, "--", "--kubeconfig", kubeconfig, "--scenario", scenarios },
        RedirectStandardOutput = true,
        UseShellExecute = false,
    };
    // Its per-request log is for debugging the cluster, not for the demo.
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start) ?? throw new CakeException("Could not start the local cluster.");
    var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    process.OutputDataReceived += (_, e) =>
    {
        if (e.Data is null) { ready.TrySetResult(false); return; }
        if (e.Data.Contains("ready", StringComparison.OrdinalIgnoreCase))
        {
            Information("[local-cluster] {0}", e.Data);
            ready.TrySetResult(true);
        }
    };
    process.BeginOutputReadLine();
    if (!ready.Task.Wait(TimeSpan.FromMinutes(2)) || !ready.Task.Result)
        throw new CakeException("The local cluster did not become ready.");
    return process;
}

FilePath CopySampleConsumingPackage(string sample, DirectoryPath demo)
{
    var destination = demo.Combine(sample);
    CopyDirectory(root.Combine("samples").Combine(sample), destination);
    DeleteDirectories(GetDirectories(destination.FullPath + "/{obj,bin}"), new DeleteDirectorySettings { Recursive = true, Force = true });
    System.IO.File.WriteAllText(destination.CombineWithFilePath("nuget.config").FullPath, $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources><add key="kaptain-build-local" value="{packages.FullPath}" /></packageSources>
        </configuration>
        """);
    System.IO.File.WriteAllText(destination.CombineWithFilePath("Directory.Build.props").FullPath, $"""
        <Project>
          <ItemGroup>
            <PackageReference Include="Kaptain.Build" Version="{version}" />
          </ItemGroup>
        </Project>
        """);
    return GetFiles(destination.FullPath + "/*.proj").Single();
}

RunTarget(target);
