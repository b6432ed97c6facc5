using System.Text;
using k8s;
using k8s.Models;
using Kaptain.Build.Core.Tests.Lifecycle;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests.Rbac;

/// <summary>
/// The shipped Roles (<c>samples/rbac/kaptain-build-role.yaml</c>) against the requests the code really makes: every
/// step runs against the local cluster through a recorder, on its success and its failure paths, and each request
/// (API group, resource, verb) must be granted by that step's Role. The local cluster has no RBAC; the recorded
/// requests are exactly what a real API server would authorize.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class ShippedRoleTests(LifecycleServers servers)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_request_of_every_step_is_granted_by_the_steps_Role()
    {
        var roles = Roles();
        await using var recorder = new ApiRequestRecorder(servers.Cluster.Url);
        using var project = new LifecycleProject(servers, "rbac");
        var kubeconfig = project.Write(
            "kubeconfig",
            servers.Cluster.KubeconfigYaml(project.Namespace).Replace(
                servers.Cluster.Url.ToString().TrimEnd('/'), recorder.Url.ToString().TrimEnd('/'), StringComparison.Ordinal));
        project.Properties[ModelProperties.Kubeconfig] = kubeconfig;
        project.Properties[ModelProperties.Trials] = "2";
        project.Properties[ModelProperties.ParallelTrials] = "1";
        project.Properties[ModelProperties.FailedTrials] = "1";
        project.Properties[ModelProperties.ObjectiveType] = "maximize";
        await project.PutServableModelAsync(Token);
        var runs = new List<(string Step, string Role, IReadOnlyList<ApiRequest> Requests)>();
        async Task Record(string step, string role, Func<Task> run)
        {
            recorder.Take();
            await run();
            runs.Add((step, role, recorder.Take()));
        }

        ImageReference image = null!;
        await Record("build-image", "kaptain-build-image", async () => image = (await KaptainLifecycle.BuildImageAsync(project.Options(), Token)).Image);
        project.Scenario("succeed after=200ms; metric accuracy=\"1-abs(lr-0.01)\"");
        await Record("train", "kaptain-train", () => KaptainLifecycle.TrainAsync(project.Options(image), Token));
        await Record("tune", "kaptain-tune", () => KaptainLifecycle.TuneAsync(project.Options(image), Token));
        await Record("publish", "kaptain-publish", () => KaptainLifecycle.PublishAsync(project.Options(image), Token));
        project.Properties[ModelProperties.Replace] = "true";
        await Record("publish (KaptainReplace)", "kaptain-publish", () => KaptainLifecycle.PublishAsync(project.Options(image), Token));
        project.Properties[ModelProperties.CanaryTrafficPercent] = "20";
        await Record("publish (canary)", "kaptain-publish", () => KaptainLifecycle.PublishAsync(project.Options(image), Token));
        await Record("rollback-canary", "kaptain-publish", () => KaptainLifecycle.RollbackCanaryAsync(project.Options(), Token));
        await Record("promote-canary", "kaptain-publish", () => KaptainLifecycle.PromoteCanaryAsync(project.Options(), Token));
        project.Properties.Remove(ModelProperties.CanaryTrafficPercent);
        await Record("undeploy", "kaptain-publish", () => KaptainLifecycle.UndeployAsync(project.Options(), Token));
        await Record("cleanup", "kaptain-cleanup", () => KaptainLifecycle.CleanupAsync(project.Options(), Token));

        // A failure path: the diagnostic quotes the job's and its pods' Events.
        project.Items.RemoveAll(item => item.ItemSpec == "LOCAL_CLUSTER_SCENARIO");
        project.Scenario("fail after=200ms; reason=OOMKilled; message=\"out of memory\"");
        await Record("train (failing)", "kaptain-train", () => Assert.ThrowsAsync<Kaptain.Build.Diagnostics.KaptainException>(() => KaptainLifecycle.TrainAsync(project.Options(image), Token)));

        Assert.Equal(0, recorder.Unparsed);
        var denied = new List<string>();
        foreach (var (step, role, requests) in runs)
        {
            Assert.Contains(requests, r => r.Verb == "create" || step.StartsWith("undeploy", StringComparison.Ordinal) || step.StartsWith("cleanup", StringComparison.Ordinal)
                || (step.EndsWith("-canary", StringComparison.Ordinal) && r is { Verb: "update", Resource: "inferenceservices" }));
            foreach (var request in requests.Where(r => r.Group is not null))
            {
                if (!Grants(roles[role], request))
                {
                    denied.Add($"{step} under {role}: {request}");
                }
            }
        }

        Assert.True(denied.Count == 0, "Requests the shipped Role does not grant:" + Environment.NewLine + string.Join(Environment.NewLine, denied.Distinct()));
        Assert.Contains(runs.Single(r => r.Step == "publish (KaptainReplace)").Requests, r => r is { Verb: "update", Resource: "inferenceservices" });
    }

    private static bool Grants(V1Role role, ApiRequest request) =>
        role.Rules.Any(rule =>
            rule.ApiGroups.Contains(request.Group!)
            && (rule.Resources.Contains(request.Resource!) || rule.Resources.Contains("*"))
            && (rule.Verbs.Contains(request.Verb!) || rule.Verbs.Contains("*")));

    private static Dictionary<string, V1Role> Roles()
    {
        var yaml = File.ReadAllText(Kaptain.Testing.RepositoryPaths.Combine("samples", "rbac", "kaptain-build-role.yaml"));
        var roles = KubernetesYaml.LoadAllFromString(yaml).OfType<V1Role>().ToDictionary(r => r.Metadata.Name);
        Assert.Equal(["kaptain-build-image", "kaptain-cleanup", "kaptain-publish", "kaptain-train", "kaptain-tune"], roles.Keys.Order());
        return roles;
    }
}
