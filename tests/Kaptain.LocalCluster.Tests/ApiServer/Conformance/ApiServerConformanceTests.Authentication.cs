using System.Text.Json.Nodes;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>Authentication (bearer tokens) and RBAC authorization, with the real Status bodies.</summary>
public abstract partial class ApiServerConformanceTests
{
    private const string ConfigMapReader = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: configmap-reader
        rules:
        - apiGroups: [""]
          resources: ["configmaps"]
          verbs: ["get", "list", "watch"]
        """;

    [Fact]
    public async Task The_admin_token_is_accepted_and_a_wrong_one_is_401_unauthorized()
    {
        var (admin, ns) = await UseServerAsync();
        var ok = await SendAsync(admin, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.True(ok.Code == 200, ok.ToString());

        var wrong = await SendAsync(Client("not-a-token-this-server-issued"), HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.True(wrong.Code == 401, wrong.ToString());
        Assert.Equal("Status", wrong.Body?["kind"]?.GetValue<string>());
        Assert.Equal("Failure", wrong.Body?["status"]?.GetValue<string>());
        Assert.Equal("Unauthorized", wrong.Reason);
        Assert.Equal("Unauthorized", wrong.Message);
        Assert.Equal(401, wrong.Body?["code"]?.GetValue<int>());
    }

    [Fact]
    public async Task A_request_without_a_token_is_the_anonymous_user_and_forbidden()
    {
        var (_, ns) = await UseServerAsync();
        var anonymous = Client("");
        var list = await SendAsync(anonymous, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.True(list.Code == 403, list.ToString());
        Assert.Equal("Forbidden", list.Reason);
        Assert.Equal($"configmaps is forbidden: User \"system:anonymous\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", list.Message);

        // /version and the health endpoints are public (system:public-info-viewer).
        var version = await SendAsync(anonymous, HttpMethod.Get, "/version");
        Assert.True(version.Code == 200, version.ToString());
        Assert.Equal("1", version.Body?["major"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_service_account_may_do_what_its_role_allows_and_gets_the_real_403_otherwise()
    {
        var (admin, ns) = await UseServerAsync();
        Assert.Equal(201, (await SendAsync(admin, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("readable"))).Code);
        var account = await Api.ServiceAccountAsync(ns, "reader", ConfigMapReader, Token);
        var reader = Client(account.Token);

        var list = await SendAsync(reader, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.True(list.Code == 200, list.ToString());
        Assert.Equal(["kube-root-ca.crt", "readable"], list.Body!["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var get = await SendAsync(reader, HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/readable");
        Assert.True(get.Code == 200, get.ToString());

        var user = $"system:serviceaccount:{ns}:reader";
        var create = await SendAsync(reader, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap("written"));
        Assert.True(create.Code == 403, create.ToString());
        Assert.Equal("Forbidden", create.Reason);
        Assert.Equal($"configmaps is forbidden: User \"{user}\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", create.Message);
        Assert.Equal("configmaps", create.Body?["details"]?["kind"]?.GetValue<string>());

        var secrets = await SendAsync(reader, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/named");
        Assert.True(secrets.Code == 403, secrets.ToString());
        Assert.Equal($"secrets \"named\" is forbidden: User \"{user}\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\"", secrets.Message);
        Assert.Equal("named", secrets.Body?["details"]?["name"]?.GetValue<string>());

        var jobs = await SendAsync(reader, HttpMethod.Get, $"/apis/batch/v1/namespaces/{ns}/jobs");
        Assert.True(jobs.Code == 403, jobs.ToString());
        Assert.Equal($"jobs.batch is forbidden: User \"{user}\" cannot list resource \"jobs\" in API group \"batch\" in the namespace \"{ns}\"", jobs.Message);

        // The real server's audit log has each refusal: what the lifecycle suites fail a test on when the shipped Roles
        // do not grant a request. The stand-in keeps no such record.
        if (Api is Kaptain.Testing.ControlPlane.RealControlPlane)
        {
            var refused = Api.ForbiddenRequests(ns);
            Assert.Contains(refused, r => r.StartsWith("create configmaps (core) by " + user, StringComparison.Ordinal));
            Assert.Contains(refused, r => r.StartsWith("get secrets (core) named by " + user, StringComparison.Ordinal));
            Assert.Contains(refused, r => r.StartsWith("list jobs (batch) by " + user, StringComparison.Ordinal));
            Assert.DoesNotContain(refused, r => r.Contains("configmaps/readable", StringComparison.Ordinal));
        }

        var tfjobs = await SendAsync(reader, HttpMethod.Delete, $"/apis/kubeflow.org/v1/namespaces/{ns}/tfjobs");
        Assert.True(tfjobs.Code == 403, tfjobs.ToString());
        Assert.Equal($"tfjobs.kubeflow.org is forbidden: User \"{user}\" cannot deletecollection resource \"tfjobs\" in API group \"kubeflow.org\" in the namespace \"{ns}\"", tfjobs.Message);

        var elsewhere = await SendAsync(reader, HttpMethod.Get, "/api/v1/namespaces/default/configmaps");
        Assert.True(elsewhere.Code == 403, elsewhere.ToString());

        var namespaces = await SendAsync(reader, HttpMethod.Get, "/api/v1/namespaces");
        Assert.True(namespaces.Code == 403, namespaces.ToString());
        Assert.Equal($"namespaces is forbidden: User \"{user}\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope", namespaces.Message);

        // Every authenticated user may read discovery (system:discovery).
        var discovery = await SendAsync(reader, HttpMethod.Get, "/apis/kubeflow.org/v1");
        Assert.True(discovery.Code == 200, discovery.ToString());
        Assert.Contains("tfjobs", discovery.Body!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_cluster_role_bound_in_a_namespace_grants_subresources_only_when_named()
    {
        var (admin, ns) = await UseServerAsync();
        var roles = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: kaptain-conformance-pod-reader
            rules:
            - apiGroups: [""]
              resources: ["pods"]
              verbs: ["get", "list"]
            - apiGroups: ["kubeflow.org"]
              resources: ["*"]
              verbs: ["*"]
            """;
        var account = await Api.ServiceAccountAsync(ns, "pods", roles, Token);
        var client = Client(account.Token);
        var pods = await SendAsync(client, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods");
        Assert.True(pods.Code == 200, pods.ToString());
        var log = await SendAsync(client, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/p/log");
        Assert.True(log.Code == 403, log.ToString());
        Assert.Equal($"pods \"p\" is forbidden: User \"system:serviceaccount:{ns}:pods\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"{ns}\"", log.Message);

        var tfjob = new JsonObject
        {
            ["apiVersion"] = "kubeflow.org/v1",
            ["kind"] = "TFJob",
            ["metadata"] = new JsonObject { ["name"] = "t" },
            ["spec"] = new JsonObject { ["tfReplicaSpecs"] = new JsonObject() },
        };
        var created = await SendAsync(client, HttpMethod.Post, $"/apis/kubeflow.org/v1/namespaces/{ns}/tfjobs", tfjob);
        Assert.True(created.Code == 201, created.ToString());
        var other = await SendAsync(client, HttpMethod.Get, $"/apis/kubeflow.org/v1/namespaces/{(ns == "default" ? "kube-public" : "default")}/tfjobs");
        Assert.True(other.Code == 403, other.ToString());
    }
}
