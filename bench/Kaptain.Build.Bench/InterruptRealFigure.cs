using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure P4 on the real control plane (<c>interrupt-real</c>, issue 11 item 5): a running training build interrupted
/// with SIGINT against upstream kube-apiserver v1.20.2 (with kube-controller-manager where the assets have it, and the
/// simulated operators attached), where pods are deleted gracefully (30 s by default: the API server sets
/// deletionTimestamp and the kubelet deletes them for good once their containers stopped). Measured: when the API server
/// accepted the last of the build's cleanup requests (from its audit log), when nothing of the run was left (through the
/// API), and whether the build warned KAPT4002 (a deleted resource still there when cleanup's time ran out).
/// </summary>
internal sealed class InterruptRealFigure : IFigure
{
    private const int Runs = 2;

    /// <summary>The pods' grace period (the default terminationGracePeriodSeconds) plus a margin for a loaded machine.</summary>
    private static readonly TimeSpan AfterInterrupt = TimeSpan.FromSeconds(30 + 30);

    public int Number => 7;

    public string Name => "interrupt-real";

    public string Title => "P4 on the real control plane: SIGINT to every request accepted and nothing left";

    public string Goal => "every cleanup request accepted within 3 s of SIGINT, nothing left once the grace periods pass, no KAPT4002";

    public TimeSpan TimeLimit => TimeSpan.FromMinutes(15);

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        if (BenchLimits.SigIntIgnored())
        {
            throw new BenchFailure("SIGINT is ignored in this process (SigIgn in /proc/self/status), so the builds it starts ignore it too; run the bench in the foreground");
        }

        await using var servers = await BenchLimits.WithinAsync(TimeSpan.FromMinutes(3), "starting the real control plane",
            token => LifecycleServers.StartAsync(BenchEnvironment.TasksAssembly, scenarios: null, LifecycleEngine.RealControlPlane, token),
            cancellationToken);
        var plane = (RealControlPlane)servers.Api;
        var project = await servers.NewProjectAsync("mnist-pytorch", "bench-interrupt-real", cancellationToken);
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage"), cancellationToken);
        var before = (await ClusterResources.ReadAsync(servers.Api, project.Namespace, cancellationToken)).Names.ToHashSet(StringComparer.Ordinal);

        var accepted = new List<double>();
        var gone = new List<double>();
        var exited = new List<double>();
        var requests = 0;
        var refused = new List<string>();
        var warned = 0;
        for (var i = 0; i < Runs; i++)
        {
            await using var running = project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")).Start();
            await BenchLimits.WithinAsync(BenchLimits.Line, "the training build printing its first epoch", token => running.WaitForLineAsync("epoch 1 started", token), cancellationToken);
            var created = await LeftAsync(servers, project, before, cancellationToken);
            if (!created.Any(name => name.StartsWith("Pod/", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"The training run had no pod when it was interrupted (it had: {string.Join(", ", created)}).");
            }

            var interruptedAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            running.Interrupt();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(AfterInterrupt);
            var exit = running.WaitForExitAsync(bounded.Token);

            // Through the API, as a user would see it (each read lists every namespaced kind: about a tenth of a second).
            while ((await LeftAsync(servers, project, before, cancellationToken)) is { Count: > 0 } left)
            {
                if (clock.Elapsed > AfterInterrupt)
                {
                    throw new BenchFailure(string.Create(CultureInfo.InvariantCulture,
                        $"{AfterInterrupt.TotalSeconds:0} s after SIGINT the namespace still holds {string.Join(", ", left)} (the build {(exit.IsCompleted ? "ended" : "is still running")})"));
                }

                await Task.Delay(50, cancellationToken);
            }

            gone.Add(clock.Elapsed.TotalSeconds);
            DotnetCommandResult result;
            try
            {
                result = await exit;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BenchFailure(string.Create(CultureInfo.InvariantCulture, $"the build did not exit within {AfterInterrupt.TotalSeconds:0} s of SIGINT"));
            }

            exited.Add(clock.Elapsed.TotalSeconds);
            warned += result.Log.Contains("KAPT4002", StringComparison.Ordinal) ? 1 : 0;

            // The audit log is written as requests complete; give the last lines a moment to land.
            await Task.Delay(500, cancellationToken);
            var deletes = CleanupRequests(plane.AuditLogPath, project.Namespace, interruptedAt);
            if (deletes.Count == 0)
            {
                throw new BenchFailure($"the audit log {plane.AuditLogPath} holds no delete by the build's account after SIGINT");
            }

            requests += deletes.Count;
            refused.AddRange(deletes.Where(d => d.Code is not (200 or 202 or 404)).Select(d => $"{d.Code} {d.Uri}"));
            accepted.Add(deletes.Max(d => (d.Completed - interruptedAt).TotalSeconds));
        }

        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = accepted.Max() < 3 && refused.Count == 0 && warned == 0,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{plane.Name}{(servers.Api.HasControllers ? " + kube-controller-manager" : string.Empty)}: last cleanup request accepted {accepted.Max():0.00} s after SIGINT (max of {Runs}; {requests} deletes, {refused.Count} refused), nothing left after {BenchEnvironment.Median(gone):0.00} s (median, max {gone.Max():0.00} s), build exited after {BenchEnvironment.Median(exited):0.00} s; KAPT4002 in {warned} of {Runs} runs"),
            Values = new Dictionary<string, double>
            {
                ["accepted_max_s"] = accepted.Max(),
                ["accepted_median_s"] = BenchEnvironment.Median(accepted),
                ["gone_median_s"] = BenchEnvironment.Median(gone),
                ["gone_max_s"] = gone.Max(),
                ["exit_median_s"] = BenchEnvironment.Median(exited),
                ["delete_requests"] = requests,
                ["refused_requests"] = refused.Count,
                ["kapt4002_runs"] = warned,
                ["runs"] = Runs,
            },
            Method = $"Upstream kube-apiserver v1.20.2 from the envtest assets ({(servers.Api.HasControllers ? "with" : "without")} kube-controller-manager), the local cluster's simulated operators attached (Kubeflow training, Kaniko, the kubelet), the build running under the shipped Roles' ServiceAccount. `dotnet build -t:KaptainTrain` of samples/mnist-pytorch with a workload that never ends; SIGINT once its pods print their first line. Accepted: the latest stageTimestamp (ResponseComplete) among the build account's delete requests received after SIGINT, from the API server's audit log; 200, 202 and 404 count as accepted. Nothing left: until the namespace, read through the API every 50 ms (every namespaced kind), holds nothing the run created (bounded: {AfterInterrupt.TotalSeconds:0} s, the pods' 30 s grace period and a margin). Pods are deleted gracefully: the API server sets deletionTimestamp with the pod's grace period, and the simulated kubelet stops the containers and then deletes the pod with grace period 0 and a UID precondition, as the kubelet's status manager does (kubernetes/kubernetes pkg/kubelet/status/status_manager.go). KAPT4002: the warning in the build's output. {Runs} runs.",
        };
    }

    private static async Task<List<string>> LeftAsync(LifecycleServers servers, SampleProject project, HashSet<string> before, CancellationToken cancellationToken) =>
        (await ClusterResources.ReadAsync(servers.Api, project.Namespace, cancellationToken)).Names.Where(name => !before.Contains(name)).ToList();

    private static List<(int Code, string Uri, DateTimeOffset Completed)> CleanupRequests(string auditLog, string @namespace, DateTimeOffset after)
    {
        var user = $"system:serviceaccount:{@namespace}:{ShippedRoles.AccountName}";
        var found = new List<(int, string, DateTimeOffset)>();
        foreach (var (audit, name) in RealControlPlane.AuditEvents(auditLog, user, "\"ResponseComplete\""))
        {
            if (name != user
                || audit["verb"]?.GetValue<string>() is not ("delete" or "deletecollection")
                || !DateTimeOffset.TryParse(audit["requestReceivedTimestamp"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var received)
                || received < after
                || !DateTimeOffset.TryParse(audit["stageTimestamp"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var completed))
            {
                continue;
            }

            found.Add((audit["responseStatus"]?["code"]?.GetValue<int>() ?? 0, audit["requestURI"]?.GetValue<string>() ?? "?", completed));
        }

        return found;
    }
}
