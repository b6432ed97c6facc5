using System.Text.RegularExpressions;
using Kaptain.Testing;
using Xunit;
using Xunit.Sdk;

namespace Kaptain.Build.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What the end-to-end tests share: the servers, running a build to its end or interrupting it, and assertions that
/// print the whole build log when they fail. Every suite derives from it once and is run once per engine (a sealed
/// class per engine, as Nerdbank.GitVersioning runs one abstract suite per engine), so that the same scenario,
/// assertion for assertion, holds on the local cluster and on the real control plane.
/// </summary>
public abstract partial class LifecycleTest(EndToEndServers fixture) : IAsyncLifetime
{
    private LifecycleServers? _servers;

    /// <summary>Long enough for the slowest build on a busy 2-core machine; a hung build fails the test, not the run.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);

    /// <summary>The shared servers of the engine.</summary>
    protected LifecycleServers Servers => _servers ?? throw new InvalidOperationException("Not initialized.");

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _servers = await fixture.GetAsync(Token);

    /// <summary>
    /// Ends the test: on the real control plane, where every build runs as a ServiceAccount bound only to the shipped
    /// Roles, a request of this test's builds the server refused (403, from its audit log) fails the test, also one the
    /// client handled (a warning, a fallback) — the shipped Roles must grant everything the lifecycle does.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _servers?.AssertShippedRolesSufficed(_projects);
        return ValueTask.CompletedTask;
    }

    private readonly List<SampleProject> _projects = [];

    /// <summary>A copy of <paramref name="sample"/> with a namespace of its own (<see cref="LifecycleServers.NewProjectAsync"/>);
    /// on the real control plane its builds run under the shipped Roles, and a 403 fails the test.</summary>
    protected async Task<SampleProject> NewProjectAsync(string sample, string name, CancellationToken cancellationToken)
    {
        var project = await Servers.NewProjectAsync(sample, name, cancellationToken);
        lock (_projects)
        {
            _projects.Add(project);
        }

        return project;
    }

    /// <summary>The cluster the test runs against.</summary>
    protected LifecycleEngine Engine => fixture.Engine;

    /// <summary>The test's token.</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Runs a build to its end.</summary>
    protected static async Task<DotnetCommandResult> RunAsync(DotnetCommand command)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(BuildTimeout);
        return await command.RunAsync(timeout.Token);
    }

    /// <summary>The signals a build is stopped with: Ctrl+C (and a CI runner's first try), a CI runner after its grace
    /// period or <c>docker stop</c>.</summary>
    public static TheoryData<int> StopSignals => new(UnixSignal.Interrupt, UnixSignal.Terminate);

    /// <summary>
    /// Starts a build, waits until it prints a line containing <paramref name="line"/> (proof that the step reached the
    /// point to interrupt), sends <paramref name="signal"/> (SIGINT as Ctrl+C does) to the <c>dotnet</c> process as a CI
    /// runner does, and waits for the build to end.
    /// </summary>
    protected static async Task<DotnetCommandResult> InterruptAsync(DotnetCommand command, string line, int signal = UnixSignal.Interrupt)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(BuildTimeout);
        await using var running = command.Start();
        await running.WaitForLineAsync(line, timeout.Token);
        Assert.True(running.Signal(signal), $"The build ended before it got {UnixSignal.Name(signal)}. Its log:{Environment.NewLine}{running.Log}");
        return await running.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Asserts that the build succeeded.</summary>
    protected static void AssertSucceeded(DotnetCommandResult result)
    {
        if (result.ExitCode != 0)
        {
            throw Fail($"Expected the build to succeed, but it exited with {result.ExitCode}.", result);
        }
    }

    /// <summary>Asserts that the build failed with the error <paramref name="code"/> (and no unexpected crash).</summary>
    protected static void AssertFailedWith(DotnetCommandResult result, string code)
    {
        var codes = ErrorCodes(result.Log);
        if (result.ExitCode == 0 || !codes.Contains(code))
        {
            throw Fail($"Expected the build to fail with {code}; it exited with {result.ExitCode} and errors [{string.Join(", ", codes)}].", result);
        }

        // A task that crashed (MSB4018) or a cleanup that failed (KAPT4xxx) is a bug, whatever else happened.
        var unexpected = codes.Where(c => c.StartsWith("MSB", StringComparison.Ordinal) || c.StartsWith("KAPT4", StringComparison.Ordinal)).ToList();
        if (unexpected.Count > 0)
        {
            throw Fail($"The build failed with {code} but also with [{string.Join(", ", unexpected)}].", result);
        }
    }

    /// <summary>Asserts that an interrupted build ended as cancelled: not successful, no Kaptain error, no crash.</summary>
    protected static void AssertCancelled(DotnetCommandResult result)
    {
        var codes = ErrorCodes(result.Log);
        if (result.ExitCode == 0 || codes.Any(c => c.StartsWith("KAPT", StringComparison.Ordinal) || c == "MSB4018"))
        {
            throw Fail($"Expected the interrupted build to end as cancelled; it exited with {result.ExitCode} and errors [{string.Join(", ", codes)}].", result);
        }
    }

    /// <summary>
    /// Asserts that a build stopped by <paramref name="signal"/> ended as stopped: on SIGINT as cancelled by MSBuild (see
    /// <see cref="AssertCancelled"/>); on SIGTERM or SIGHUP, which MSBuild does not handle, with KAPT4020 as its only
    /// error. Either way the process lived until the step's cleanup had finished (the caller checks what is left).
    /// </summary>
    protected static void AssertStopped(DotnetCommandResult result, int signal)
    {
        if (signal == UnixSignal.Interrupt)
        {
            AssertCancelled(result);
            return;
        }

        var codes = ErrorCodes(result.Log);
        if (result.ExitCode == 0 || !codes.SequenceEqual(["KAPT4020"]) || !result.Log.Contains(UnixSignal.Name(signal), StringComparison.Ordinal))
        {
            throw Fail($"Expected the build stopped by {UnixSignal.Name(signal)} to fail with KAPT4020 only; it exited with {result.ExitCode} and errors [{string.Join(", ", codes)}].", result);
        }
    }

    /// <summary>Asserts that no journal of a run is left in the project's <c>obj/kaptain/</c>: every resource a run
    /// recorded was confirmed removed (a journal stays while anything of its run is left).</summary>
    protected static void AssertNoJournal(SampleProject project, DotnetCommandResult result)
    {
        var journals = Directory.Exists(project.KaptainDirectory) ? Directory.GetFiles(project.KaptainDirectory, "journal-*.jsonl") : [];
        if (journals.Length > 0)
        {
            throw Fail($"Expected no journal left in {project.KaptainDirectory}, found:{Environment.NewLine}{string.Join(Environment.NewLine, journals.Select(j => $"{j}:{Environment.NewLine}{File.ReadAllText(j)}"))}", result);
        }
    }

    /// <summary>
    /// Asserts that the project's namespace holds exactly <paramref name="expected"/> (<c>Kind/name</c>), every one
    /// labelled with the model and, when given, the run.
    /// </summary>
    protected async Task AssertResources(SampleProject project, DotnetCommandResult result, IEnumerable<string> expected, string? runId = null)
    {
        var resources = await Servers.ResourcesInAsync(project.Namespace, Token);
        var want = expected.Order(StringComparer.Ordinal).ToList();

        // Foreground deletion is best effort: a dependent the garbage collector had not yet observed when its owner's
        // foreground deletion ended (an operator created it a moment before) is collected after the owner is gone, in
        // the background (kubernetes/community, design-proposals/api-machinery/synchronous-garbage-collection.md,
        // "Unhandled cases"; kube-controller-manager's garbage collector does so on the real control plane, where an
        // interrupted tune once left a TFJob's just-created pods and Services for a moment). What the build removes
        // itself must be gone when it exits; only objects whose owners are all gone get a bounded time to follow them,
        // and only there: the local cluster's collector sees every dependent before it ends a foreground deletion.
        for (var deadline = DateTime.UtcNow + OrphanCollectionTime;
            Engine == LifecycleEngine.RealControlPlane && !want.SequenceEqual(resources.Names) && OnlyCollectedDependentsAreExtra(resources, want) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), Token);
            resources = await Servers.ResourcesInAsync(project.Namespace, Token);
        }

        if (!want.SequenceEqual(resources.Names))
        {
            throw Fail($"Expected exactly [{string.Join(", ", want)}] in namespace {project.Namespace}, found:{Environment.NewLine}{resources}", result);
        }

        // Pods carry the template's labels; what an operator made for a job (its headless Services) carries the
        // operator's labels only, as training-operator does.
        foreach (var resource in resources.All.Where(r => r.Kind != "Pod" && !r.IsOwnedBy("TFJob") && !r.IsOwnedBy("PyTorchJob")))
        {
            if (resource.Label("kaptain.build/model") != project.ModelLabel || (runId is not null && resource.Label("kaptain.build/run") != runId))
            {
                throw Fail($"{resource} does not carry the model's labels (run {runId}): {resource.Describe()}", result);
            }
        }
    }

    /// <summary>
    /// Asserts that the project's namespace holds exactly <paramref name="kept"/> (<c>Kind/name</c>) and what they own,
    /// directly or through what they own (a training job's pods; an experiment's trials, their jobs and pods), and that
    /// every kept resource is there.
    /// </summary>
    protected async Task AssertKeptWithDependents(SampleProject project, DotnetCommandResult result, IReadOnlyList<string> kept, string runId)
    {
        var resources = await Servers.ResourcesInAsync(project.Namespace, Token);
        var uids = new HashSet<string>(resources.All.Where(r => kept.Contains(r.ToString())).Select(Uid));
        if (uids.Count != kept.Count)
        {
            throw Fail($"Expected [{string.Join(", ", kept)}] to be kept in namespace {project.Namespace}, found:{Environment.NewLine}{resources}", result);
        }

        List<string> expected = [.. kept];
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var resource in resources.All.Where(r => !uids.Contains(Uid(r)) && OwnerUids(r).Any(uids.Contains)))
            {
                uids.Add(Uid(resource));
                expected.Add(resource.ToString());
                grown = true;
            }
        }

        var want = expected.Order(StringComparer.Ordinal).ToList();
        if (!want.SequenceEqual(resources.Names))
        {
            throw Fail($"Expected exactly [{string.Join(", ", want)}] (the kept resources and what they own) in namespace {project.Namespace}, found:{Environment.NewLine}{resources}", result);
        }

        foreach (var name in kept)
        {
            var resource = resources.All.Single(r => r.ToString() == name);
            if (resource.Label("kaptain.build/model") != project.ModelLabel || resource.Label("kaptain.build/run") != runId)
            {
                throw Fail($"{resource} does not carry the model's labels (run {runId}): {resource.Describe()}", result);
            }
        }
    }

    private static string Uid(ClusterResource resource) => resource.Uid;

    /// <summary>How long the garbage collector gets to remove dependents whose owners are gone (see <see cref="AssertResources"/>).</summary>
    private static readonly TimeSpan OrphanCollectionTime = TimeSpan.FromSeconds(30);

    /// <summary>Whether every expected resource is there and every other one is a dependent whose owners are all gone.</summary>
    private static bool OnlyCollectedDependentsAreExtra(ClusterResources resources, List<string> want)
    {
        var uids = resources.All.Select(Uid).ToHashSet();
        return want.All(resources.Names.Contains)
            && resources.All.Where(r => !want.Contains(r.ToString())).All(r => OwnerUids(r).Any() && !OwnerUids(r).Any(uids.Contains));
    }

    /// <summary>What owns <paramref name="resource"/>: its ownerReferences, and for a ServiceAccount's token Secret the
    /// account (the token controller's, removed with the account; see <see cref="ClusterResource.TokenOf"/>).</summary>
    private static IEnumerable<string> OwnerUids(ClusterResource resource) =>
        (resource.Object["metadata"]?["ownerReferences"]?.AsArray() ?? []).Select(o => o!["uid"]!.GetValue<string>())
            .Concat(resource.TokenOf is { } account ? [account] : []);

    /// <summary>Asserts that the project's namespace holds nothing at all.</summary>
    protected Task AssertNothingLeft(SampleProject project, DotnetCommandResult result) => AssertResources(project, result, []);

    /// <summary>Asserts that an object is (or is not) in the S3 server, by HEAD.</summary>
    protected async Task AssertObjectAsync(string bucket, string key, bool exists, DotnetCommandResult result)
    {
        if (await Servers.S3.ObjectExistsAsync(bucket, key, Token) != exists)
        {
            throw Fail($"Expected s3://{bucket}/{key} to {(exists ? "exist" : "be gone")}.", result);
        }
    }

    /// <summary>The run id and the context object a step's run report names.</summary>
    protected static string RunId(SampleProject project, string step) => project.ReadRunReport(step)["runId"]!.GetValue<string>();

    /// <summary>An assertion failure that carries the whole build log.</summary>
    protected static XunitException Fail(string message, DotnetCommandResult result) =>
        new($"{message}{Environment.NewLine}Build ({result.ExitCode}, {result.Duration}) log:{Environment.NewLine}{result.Log}");

    /// <summary>The codes of the errors a build log reports (<c>error KAPT1103:</c>, <c>error MSB4018:</c>).</summary>
    protected static IReadOnlyList<string> ErrorCodes(string log) =>
        [.. ErrorLine().Matches(log).Select(m => m.Groups["code"].Value).Distinct()];

    [GeneratedRegex(@"error (?<code>[A-Z]+[0-9]+):")]
    private static partial Regex ErrorLine();
}
