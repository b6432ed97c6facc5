using System.Text.Json.Nodes;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.LocalCluster.Api;
using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// Crash recovery: <c>dotnet build -t:KaptainTrain</c> killed with SIGKILL while its job runs (nothing of the run's own
/// cleanup can happen), then <c>dotnet build -t:KaptainCleanup</c>: nothing of the model is left, and the resources of
/// another model in the same namespace (created beforehand, with Kaptain's labels) are untouched. Everything is read
/// and written through the API, so it holds on either server.
/// </summary>
public abstract class CrashRecoveryTests(ReliabilityServers fixture) : ReliabilityTest(fixture)
{
    private const int SigKill = 9;
    private const string Area = "Crash recovery (SIGKILL during KaptainTrain, then KaptainCleanup)";

    [Fact]
    public async Task A_sweep_after_SIGKILL_removes_the_run_and_touches_no_other_model()
    {
        var project = await NewProjectAsync("mnist-pytorch", "crash");
        using var http = Servers.Api.CreateHttpClient();
        var others = await CreateOtherModelResourcesAsync(Servers.Api, http, project.Namespace);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        await using (var running = project.Build("KaptainTrain", ("E2EWorkloadScenario", "hang log=\"epoch 1 started\"")).Start())
        {
            await running.WaitForLineAsync("epoch 1 started", timeout.Token);
            Assert.True(UnixSignal.Send(running.Pid, SigKill), running.Log);
            await running.WaitForExitAsync(timeout.Token);
        }

        var leftByKill = (await ResourcesInAsync(project.Namespace)).All.Where(r => r.Label("kaptain.build/model") == project.ModelLabel).ToList();
        Assert.NotEmpty(leftByKill); // the kill really left something for the sweep

        var cleanup = await project.Build("KaptainCleanup").RunAsync(timeout.Token);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        // Everything in the namespace but the other model's resources (pods without the model's labels count too).
        var left = (await ResourcesInAsync(project.Namespace)).All.Where(r => !r.Name.StartsWith("other-model-", StringComparison.Ordinal)).ToList();
        var touched = new List<string>();
        foreach (var (path, resourceVersion) in others)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), Token);
            var now = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(Token)) : null;
            if (now?["metadata"]?["resourceVersion"]?.GetValue<string>() != resourceVersion)
            {
                touched.Add($"{path}: {(now is null ? $"gone ({(int)response.StatusCode})" : $"resourceVersion {resourceVersion} -> {now["metadata"]?["resourceVersion"]}")}");
            }
        }

        Record(Area, "resources left by the kill", leftByKill.Count);
        Record(Area, "resources left after the sweep", left.Count, "0");
        Record(Area, "resources of another model touched", touched.Count, "0");
        Assert.True(left.Count == 0, string.Join(", ", left) + Environment.NewLine + cleanup.Log);
        Assert.True(touched.Count == 0, string.Join(Environment.NewLine, touched) + Environment.NewLine + cleanup.Log);
    }

    // Another model's Secret and ServiceAccount, made with the admin's rights; returns each one's path and resourceVersion.
    private static async Task<List<(string Path, string ResourceVersion)>> CreateOtherModelResourcesAsync(ApiServerUnderTest server, HttpClient http, string @namespace)
    {
        var created = new List<(string, string)>();
        foreach (var type in new[] { BuiltInResources.Secret, BuiltInResources.ServiceAccount })
        {
            var name = $"other-model-{type.Kind.ToLowerInvariant()}";
            var labels = new JsonObject
            {
                ["app.kubernetes.io/managed-by"] = "kaptain-build",
                ["kaptain.build/model"] = "dev-other-model",
                ["kaptain.build/step"] = "train",
                ["kaptain.build/run"] = "0123456789",
            };
            var collection = ClusterResources.CollectionPath(type, @namespace);
            var stored = await ApiServerUnderTest.SendAsync(http, HttpMethod.Post, collection, new JsonObject { ["apiVersion"] = "v1", ["kind"] = type.Kind, ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels } }, Token);
            var resourceVersion = stored["metadata"]!["resourceVersion"]!.GetValue<string>();
            if (type == BuiltInResources.ServiceAccount && server is Kaptain.Testing.ControlPlane.RealControlPlane { HasControllers: true })
            {
                // v1.20's token controller gives the account a token Secret and names it in the account's `secrets`
                // (kubernetes/kubernetes pkg/controller/serviceaccount/tokens_controller.go), which is a change of the
                // account that is not the sweep's: what the sweep must not touch is the account as it is after that.
                resourceVersion = await SettledAccountVersionAsync(http, $"{collection}/{name}");
            }

            created.Add(($"{collection}/{name}", resourceVersion));
        }

        return created;
    }

    // The account's resourceVersion once the token controller has named its token Secret (bounded).
    private static async Task<string> SettledAccountVersionAsync(HttpClient http, string path)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var account = await ApiServerUnderTest.SendAsync(http, HttpMethod.Get, path, null, deadline.Token);
            if (account["secrets"] is JsonArray { Count: > 0 })
            {
                return account["metadata"]!["resourceVersion"]!.GetValue<string>();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }
    }
}
