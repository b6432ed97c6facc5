using System.Text.Json.Nodes;
using Kaptain.Build.Core.Tests.Lifecycle;
using Kaptain.Build.Lifecycle;
using Kaptain.Testing;
using Kaptain.Testing.ControlPlane;
using TestingServers = Kaptain.Testing.LifecycleServers;

namespace Kaptain.Build.Core.Tests.Rbac;

/// <summary>
/// <see cref="ShippedRoleVerbTests"/> on upstream kube-apiserver + kube-controller-manager v1.20.2 with RBAC, the
/// simulated operators attached: its 403s (and the account its message names) are the real ones. A representative
/// subset (<see cref="Runs"/>): every side request whose refusal warns (KAPT5070, KAPT5071: the client's handling of a
/// real 403 on log streaming, Events, the pod and trial watches, Knative revisions and the deletion wait) and one
/// request per Role that ends its step; the stand-in runs every verb. Skipped, with the reason, without envtest assets.
/// </summary>
public sealed class RealControlPlaneShippedRoleVerbTests(RealControlPlaneShippedRoleVerbTests.Servers fixture)
    : ShippedRoleVerbTests, IClassFixture<RealControlPlaneShippedRoleVerbTests.Servers>
{
    private static readonly HashSet<string> EndsTheStep = new(StringComparer.Ordinal)
    {
        "kaptain-build-image | jobs (batch) | create",
        "kaptain-train | tfjobs,pytorchjobs (kubeflow.org) | create",
        "kaptain-tune | experiments (kubeflow.org) | create",
        "kaptain-publish | inferenceservices (serving.kserve.io,serving.kubeflow.org) | update",
        "kaptain-cleanup | tfjobs,pytorchjobs,experiments,trials (kubeflow.org) | list",
        "kaptain-cleanup | secrets,serviceaccounts,pods (core) | delete",
    };

    private protected override ApiServerUnderTest Api => fixture.Require().Api;

    private protected override S3Server S3 => fixture.Require().S3;

    private protected override bool Runs(string key) =>
        EndsTheStep.Contains(key) || ShowsACode(key, "KAPT5070") || ShowsACode(key, "KAPT5071");

    private protected override async Task<LifecycleProject> NewProjectAsync(string name)
    {
        var servers = fixture.Require();
        var project = new LifecycleProject(servers.S3, servers.Registry.Host, servers.KubeconfigPath, servers.DockerConfigDirectory, name);
        using var http = servers.Api.CreateHttpClient();
        await ApiServerUnderTest.SendAsync(http, HttpMethod.Post, "api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = project.Namespace, ["labels"] = new JsonObject { ["katib.kubeflow.org/metrics-collector-injection"] = "enabled" } },
        }, Token);

        // No pod can be created before the ServiceAccount controller made the namespace's default account.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (servers.Api.HasControllers)
        {
            using var response = await http.GetAsync(new Uri($"api/v1/namespaces/{project.Namespace}/serviceaccounts/default", UriKind.Relative), deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }

        return project;
    }

    /// <summary>The real control plane with the simulated operators, s3rver and a registry, started once for the class.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        private TestingServers? servers;
        private string skipReason = "";

        /// <summary>The servers; skips the calling test (with the reason and how to get the assets) when there are none.</summary>
        public TestingServers Require()
        {
            if (servers is null)
            {
                Assert.Skip(skipReason);
            }

            return servers;
        }

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            if (EnvtestAssets.Find(out var reason) is null)
            {
                skipReason = reason;
                return;
            }

            // The task assembly is for the suites' copies of the samples (dotnet build); these tests call the core, so
            // any built assembly satisfies the check.
            servers = await TestingServers.StartAsync(
                typeof(KaptainLifecycle).Assembly.Location, null, LifecycleEngine.RealControlPlane, TestContext.Current.CancellationToken);
        }

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            if (servers is not null)
            {
                await servers.DisposeAsync();
            }
        }
    }
}
