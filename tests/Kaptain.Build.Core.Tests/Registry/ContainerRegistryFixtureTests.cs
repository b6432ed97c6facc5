using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Core.Tests.Registry;

/// <summary>The docker-registry fixture itself: the registry tests stand on it.</summary>
public sealed class ContainerRegistryFixtureTests(ContainerRegistry registry) : IClassFixture<ContainerRegistry>
{
    [Fact]
    public async Task V2_answers_and_a_pushed_manifest_is_there()
    {
        var token = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        using var v2 = await http.GetAsync(new Uri(registry.Endpoint, "/v2/"), token);
        Assert.Equal(HttpStatusCode.OK, v2.StatusCode);

        var digest = await registry.PushImageAsync("fixture/image", "v1", token);

        using var head = new HttpRequestMessage(HttpMethod.Head, new Uri(registry.Endpoint, "/v2/fixture/image/manifests/v1"));
        head.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var response = await http.SendAsync(head, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Basic_auth_registry_rejects_anonymous_and_accepts_its_user()
    {
        var token = TestContext.Current.CancellationToken;
        await using var secured = await ContainerRegistry.StartAsync(ContainerRegistryOptions.WithBasicAuth, token);
        using var http = new HttpClient();

        using var anonymous = await http.GetAsync(new Uri(secured.Endpoint, "/v2/"), token);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(secured.Endpoint, "/v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{secured.Username}:{secured.Password}")));
        using var authorized = await http.SendAsync(request, token);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);

        Assert.StartsWith("sha256:", await secured.PushImageAsync("fixture/secured", "v1", token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_registry_serves_the_certificate_it_writes()
    {
        var token = TestContext.Current.CancellationToken;
        await using var secured = await ContainerRegistry.StartAsync(new ContainerRegistryOptions { UseTls = true }, token);
        Assert.Equal("https", secured.Endpoint.Scheme);
        Assert.True(File.Exists(secured.CaCertificatePath));

        var digest = await secured.PushImageAsync("fixture/tls", "v1", token);
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
    }
}
