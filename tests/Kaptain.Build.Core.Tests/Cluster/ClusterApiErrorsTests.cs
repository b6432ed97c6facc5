using System.Net;
using System.Text;
using System.Text.Json;
using k8s.Autorest;
using Kaptain.Build.Credentials;
using Kaptain.Build.Cluster;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>
/// How API failures become diagnostics. The local cluster does not authenticate, so 401 and 403 are checked here with
/// the answers KubernetesClient hands over.
/// </summary>
public sealed class ClusterApiErrorsTests
{
    private static KubernetesConnection Connection(TempFolder temp)
    {
        var file = temp.Write("config.yaml", KubeconfigFiles.Single("team", "http://127.0.0.1:1", "ml"));
        return KubernetesConnection.Open(new ClusterConnectionOptions { Kubeconfig = file }, new TestEnvironment());
    }

    [Fact]
    public void Forbidden_is_about_the_resource_that_was_refused()
    {
        using var temp = new TempFolder();
        using var connection = Connection(temp);

        var error = ClusterApiErrors.Translate(
            connection, TransientFaultsTests.Answer(HttpStatusCode.Forbidden), "create", ResourceKinds.PyTorchJob, "ml", "mnist-train-aaaaaaaaaa");

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("KAPT1008", diagnostic.Code);
        Assert.Equal("pytorchjobs.kubeflow.org/mnist-train-aaaaaaaaaa", diagnostic.Subject);
    }

    [Fact]
    public void Unauthorized_names_the_server_and_the_context()
    {
        using var temp = new TempFolder();
        using var connection = Connection(temp);

        var error = ClusterApiErrors.Translate(
            connection, TransientFaultsTests.Answer(HttpStatusCode.Unauthorized), "list", ResourceKinds.Secret, null, null);

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("KAPT1007", diagnostic.Code);
        Assert.Equal("http://127.0.0.1:1", diagnostic.Subject);
    }

    [Fact]
    public void Other_answers_and_unreachable_servers_have_their_own_codes()
    {
        using var temp = new TempFolder();
        using var connection = Connection(temp);

        Assert.Equal("KAPT1009", ClusterApiErrors.Translate(connection, TransientFaultsTests.Answer(HttpStatusCode.ServiceUnavailable), "get", ResourceKinds.Job, null, "j").Diagnostics[0].Code);
        Assert.Equal("KAPT1010", ClusterApiErrors.Translate(connection, TransientFaultsTests.Answer(HttpStatusCode.NotFound), "list", ResourceKinds.Experiment, null, null).Diagnostics[0].Code);
        Assert.Equal("KAPT1006", ClusterApiErrors.Translate(connection, new HttpRequestException("Connection refused"), "get", ResourceKinds.Job, null, "j").Diagnostics[0].Code);
    }

    [Fact]
    public void A_servers_message_is_quoted_short_and_without_the_secrets_the_request_carried()
    {
        using var temp = new TempFolder();
        using var connection = Connection(temp);
        const string Password = "s3-secret-key-do-not-print";
        var secret = new SecretValue(Password);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Password));
        // An admission webhook that echoes the object it rejected, Secret data included, at length.
        var message = $"admission webhook \"policy.example.com\" denied the request: stringData.key={secret.Reveal()} data.key={encoded}\n{new string('x', 5000)}";
        using var response = new HttpResponseMessage(HttpStatusCode.UnprocessableEntity);
        var answer = new HttpOperationException("Operation returned an invalid status code 'UnprocessableEntity'")
        {
            Response = new HttpResponseMessageWrapper(
                response, JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", status = "Failure", message, reason = "Invalid", code = 422 })),
        };

        var diagnostic = Assert.Single(ClusterApiErrors.Translate(connection, answer, "create", ResourceKinds.Secret, "ml", "mnist-s3").Diagnostics);

        Assert.Equal("KAPT1014", diagnostic.Code);
        Assert.Contains("policy.example.com", diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(encoded, diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', diagnostic.Message);
        Assert.True(diagnostic.Message.Length < 1000, diagnostic.Message);
    }
}
