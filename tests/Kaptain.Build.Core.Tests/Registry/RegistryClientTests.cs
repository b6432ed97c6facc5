using System.Net;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;
using Kaptain.Build.Registry;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Core.Tests.Registry;

/// <summary>The registry existence check against real docker-registry instances: open, basic auth, token auth, TLS.</summary>
public sealed class RegistryClientTests(ContainerRegistry open) : IClassFixture<ContainerRegistry>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_open_registry_answers_the_digest_of_a_pushed_image_and_null_for_a_missing_one()
    {
        var pushed = await open.PushImageAsync("team/mnist", "abc123", Token);
        using var client = new RegistryClient(new RegistryClientOptions { Insecure = true });

        Assert.Equal(pushed, await client.GetDigestAsync(Image($"{open.Host}/team/mnist:abc123"), Token));
        Assert.True(await client.ExistsAsync(Image($"{open.Host}/team/mnist:abc123"), Token));
        Assert.Null(await client.GetDigestAsync(Image($"{open.Host}/team/mnist:other-tag"), Token));
        Assert.False(await client.ExistsAsync(Image($"{open.Host}/team/never-pushed:abc123"), Token));
    }

    [Fact]
    public async Task Basic_auth_uses_the_docker_config_credentials()
    {
        await using var registry = await ContainerRegistry.StartAsync(ContainerRegistryOptions.WithBasicAuth, Token);
        var pushed = await registry.PushImageAsync("team/secured", "v1", Token);
        using var folder = new TemporaryFolder();
        registry.WriteDockerConfig(folder.Path);
        var config = await DockerConfig.LoadAsync(new EnvironmentVariables(new Dictionary<string, string> { ["DOCKER_CONFIG"] = folder.Path }), null, Token);
        using var client = new RegistryClient(RegistryClientOptions.From(new RegistrySettings(registry.Host, true, null, null), config));

        Assert.Equal(pushed, await client.GetDigestAsync(Image($"{registry.Host}/team/secured:v1"), Token));
        Assert.Null(await client.GetDigestAsync(Image($"{registry.Host}/team/secured:v2"), Token));
    }

    [Fact]
    public async Task Basic_auth_without_or_with_wrong_credentials_is_KAPT3102_without_the_password()
    {
        await using var registry = await ContainerRegistry.StartAsync(ContainerRegistryOptions.WithBasicAuth, Token);
        await registry.PushImageAsync("team/secured", "v1", Token);

        using var anonymous = new RegistryClient(new RegistryClientOptions { Insecure = true });
        var none = await Assert.ThrowsAsync<KaptainException>(() => anonymous.GetDigestAsync(Image($"{registry.Host}/team/secured:v1"), Token));
        Assert.Equal("KAPT3102", none.Diagnostics.Single().Code);

        const string WrongPassword = "wrong-password-do-not-print";
        using var wrong = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Credentials = (_, _) => Task.FromResult<RegistryCredentials?>(new RegistryCredentials("kaptain", new SecretValue(WrongPassword), "the test")),
        });
        var rejected = await Assert.ThrowsAsync<KaptainException>(() => wrong.GetDigestAsync(Image($"{registry.Host}/team/secured:v1"), Token));
        Assert.Equal("KAPT3102", rejected.Diagnostics.Single().Code);
        Assert.DoesNotContain(WrongPassword, rejected.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_auth_runs_the_bearer_flow_with_the_credentials()
    {
        await using var registry = await ContainerRegistry.StartAsync(ContainerRegistryOptions.WithTokenAuth, Token);
        var pushed = await registry.PushImageAsync("team/tokened", "v1", Token);
        var issuedBefore = registry.TokenServer!.IssuedTokens;
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Credentials = (host, _) => Task.FromResult<RegistryCredentials?>(
                host == registry.Host ? new RegistryCredentials(registry.Username!, new SecretValue(registry.Password!), "the test") : null),
        });

        Assert.Equal(pushed, await client.GetDigestAsync(Image($"{registry.Host}/team/tokened:v1"), Token));
        Assert.Null(await client.GetDigestAsync(Image($"{registry.Host}/team/tokened:v9"), Token));
        Assert.True(registry.TokenServer.IssuedTokens >= issuedBefore + 2);
    }

    [Fact]
    public async Task Token_auth_without_or_with_wrong_credentials_is_KAPT3102()
    {
        await using var registry = await ContainerRegistry.StartAsync(ContainerRegistryOptions.WithTokenAuth, Token);
        await registry.PushImageAsync("team/tokened", "v1", Token);

        using var anonymous = new RegistryClient(new RegistryClientOptions { Insecure = true });
        var none = await Assert.ThrowsAsync<KaptainException>(() => anonymous.GetDigestAsync(Image($"{registry.Host}/team/tokened:v1"), Token));
        Assert.Equal("KAPT3102", none.Diagnostics.Single().Code);

        using var wrong = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Credentials = (_, _) => Task.FromResult<RegistryCredentials?>(new RegistryCredentials("kaptain", new SecretValue("nope"), "the test")),
        });
        var rejected = await Assert.ThrowsAsync<KaptainException>(() => wrong.GetDigestAsync(Image($"{registry.Host}/team/tokened:v1"), Token));
        Assert.Equal("KAPT3102", rejected.Diagnostics.Single().Code);
    }

    [Fact]
    public async Task Tls_with_an_untrusted_certificate_is_KAPT3104_and_the_CA_file_makes_it_work()
    {
        await using var registry = await ContainerRegistry.StartAsync(new ContainerRegistryOptions { UseTls = true }, Token);
        var pushed = await registry.PushImageAsync("team/tls", "v1", Token);

        using var untrusting = new RegistryClient(new RegistryClientOptions());
        var error = await Assert.ThrowsAsync<KaptainException>(() => untrusting.GetDigestAsync(Image($"{registry.Host}/team/tls:v1"), Token));
        Assert.Equal("KAPT3104", error.Diagnostics.Single().Code);

        using var trusting = new RegistryClient(new RegistryClientOptions { CaFile = registry.CaCertificatePath });
        Assert.Equal(pushed, await trusting.GetDigestAsync(Image($"{registry.Host}/team/tls:v1"), Token));
    }

    [Fact]
    public void A_missing_or_empty_CA_file_is_KAPT2211()
    {
        using var folder = new TemporaryFolder();
        var empty = Path.Combine(folder.Path, "empty.pem");
        File.WriteAllText(empty, "not a certificate");
        foreach (var path in new[] { Path.Combine(folder.Path, "missing.pem"), empty })
        {
            var error = Assert.Throws<KaptainException>(() => new RegistryClient(new RegistryClientOptions { CaFile = path }));
            Assert.Equal("KAPT2211", error.Diagnostics.Single().Code);
        }
    }

    [Fact]
    public async Task A_registry_where_nothing_listens_is_KAPT3101()
    {
        using var client = new RegistryClient(new RegistryClientOptions { Insecure = true });
        var error = await Assert.ThrowsAsync<KaptainException>(() => client.GetDigestAsync(Image($"127.0.0.1:{FreePort.Next()}/team/x:v1"), Token));
        Assert.Equal("KAPT3101", error.Diagnostics.Single().Code);
    }

    [Theory]
    [InlineData("mnist:1.0", "docker.io", "registry-1.docker.io", "library/mnist")]
    [InlineData("docker.io/team/mnist", "docker.io", "registry-1.docker.io", "team/mnist")]
    [InlineData("127.0.0.1:5000/team/mnist:1", "127.0.0.1:5000", "127.0.0.1:5000", "team/mnist")]
    [InlineData("ghcr.io/org/team/mnist:1", "ghcr.io", "ghcr.io", "org/team/mnist")]
    public void Image_references_locate_registry_api_host_and_repository(string reference, string registry, string apiHost, string repository) =>
        Assert.Equal((registry, apiHost, repository), RegistryClient.Locate(Image(reference)));

    [Theory]
    [InlineData("https://registry.example.com/token", "registry.example.com", false, true)]
    [InlineData("https://registry.example.com:5001/token", "registry.example.com:5000", false, true)]
    [InlineData("https://auth.docker.io/token", "docker.io", false, true)]
    [InlineData("https://auth.docker.io/token", "registry-1.docker.io", false, true)]
    [InlineData("https://gitlab.com/jwt/auth", "registry.gitlab.com", false, true)]
    [InlineData("https://evil.example.net/token", "registry.example.com", false, false)]
    [InlineData("https://example.com.evil.net/token", "registry.example.com", false, false)]
    [InlineData("https://localhost:5001/token", "127.0.0.1:5000", true, false)]
    [InlineData("http://registry.example.com/token", "registry.example.com", false, false)]
    [InlineData("http://registry.example.com/token", "registry.example.com", true, true)]
    [InlineData("ftp://registry.example.com/token", "registry.example.com", true, false)]
    public void Credentials_go_only_to_the_registrys_own_token_service_over_tls_unless_insecure(
        string realm, string registry, bool insecure, bool allowed) =>
        Assert.Equal(allowed, RegistryClient.MaySendCredentials(new Uri(realm), registry, insecure));

    [Fact]
    public async Task A_token_realm_on_another_host_never_gets_the_credentials_and_a_refusal_is_KAPT3010()
    {
        const string Password = "registry-password-do-not-send";
        var registryPort = FreePort.Next();
        var realmPort = FreePort.Next();
        using var registry = new HttpListener { Prefixes = { $"http://127.0.0.1:{registryPort}/" } };
        using var realm = new HttpListener { Prefixes = { $"http://localhost:{realmPort}/" } };
        registry.Start();
        realm.Start();
        var authorizations = new List<string?>();
        var serving = Task.WhenAll(
            ServeAsync(registry, context =>
            {
                // Every request is challenged towards a token service on another host name.
                context.Response.StatusCode = 401;
                context.Response.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://localhost:{realmPort}/token\",service=\"elsewhere\"");
            }),
            ServeAsync(realm, context =>
            {
                lock (authorizations)
                {
                    authorizations.Add(context.Request.Headers["Authorization"]);
                }

                context.Response.StatusCode = 401;
            }));
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Credentials = (_, _) => Task.FromResult<RegistryCredentials?>(new RegistryCredentials("kaptain", new SecretValue(Password), "the test")),
        });

        var error = await Assert.ThrowsAsync<KaptainException>(() => client.GetDigestAsync(Image($"127.0.0.1:{registryPort}/team/x:v1"), Token));

        registry.Stop();
        realm.Stop();
        await serving;
        Assert.Equal("KAPT3010", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        // The token service was asked, anonymously.
        Assert.NotEmpty(authorizations);
        Assert.All(authorizations, Assert.Null);
    }

    private static async Task ServeAsync(HttpListener listener, Action<HttpListenerContext> answer)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            answer(context);
            context.Response.Close();
        }
    }

    private static ImageReference Image(string reference) =>
        ImageReference.TryParse(reference, out var image) ? image : throw new ArgumentException(reference, nameof(reference));

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("kaptain-registry-test-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
