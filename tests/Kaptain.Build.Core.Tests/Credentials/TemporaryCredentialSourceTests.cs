using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Xunit;

namespace Kaptain.Build.Core.Tests.Credentials;

/// <summary>The tests that set process environment variables, which the AWS SDK's providers read themselves.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}

/// <summary>
/// The temporary credentials a CI runner or a cluster node has — a container's credentials endpoint, the instance
/// profile, a web identity token, an SSO login — are found through the AWS SDK's own providers, which talk to
/// <see cref="AwsCredentialEndpoints"/> as they would to AWS, and come back with their session token (which the steps
/// copy into the cluster's Secrets with <c>KAPT5055</c>). The endpoints' addresses are the SDK's documented overrides
/// (<c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c>, <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>, <c>AWS_ENDPOINT_URL_STS</c>,
/// <c>AWS_ENDPOINT_URL_SSO</c>), which the SDK reads from the process environment: so these tests run alone.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class TemporaryCredentialSourceTests : IDisposable
{
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("kaptain-home-");
    private readonly AwsCredentialEndpoints endpoints = new();
    private readonly Dictionary<string, string?> saved = new(StringComparer.Ordinal);

    public void Dispose()
    {
        foreach (var (name, value) in saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        endpoints.Dispose();
        home.Delete(recursive: true);
    }

    [Fact]
    public async Task The_container_credentials_endpoint_gives_temporary_credentials_with_its_authorization_token()
    {
        var variables = Process(new()
        {
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = endpoints.Url + "/container/credentials",
            ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "pod-identity-token",
        });

        var credentials = await Resolve(variables);

        Assert.Equal(AwsCredentialEndpoints.ContainerKey, credentials.AccessKeyId);
        Assert.Equal(AwsCredentialEndpoints.Secret, credentials.SecretAccessKey.Reveal());
        Assert.Equal("container-session-token", credentials.SessionToken?.Reveal());
        Assert.Contains("container credentials endpoint", credentials.Source, StringComparison.Ordinal);
        var request = Assert.Single(endpoints.Requests, r => r.Request.StartsWith("GET /container/credentials", StringComparison.Ordinal));
        Assert.Equal("pod-identity-token", request.Authorization);
        Assert.DoesNotContain(AwsCredentialEndpoints.Secret, credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instance_metadata_is_asked_with_an_IMDSv2_token_when_nothing_else_is_set()
    {
        Process(new() { ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoints.Url, ["AWS_EC2_METADATA_DISABLED"] = null });

        var credentials = await Resolve([]);

        Assert.Equal(AwsCredentialEndpoints.InstanceKey, credentials.AccessKeyId);
        Assert.Equal("instance-session-token", credentials.SessionToken?.Reveal());
        Assert.Contains("instance metadata", credentials.Source, StringComparison.Ordinal);
        Assert.Contains(endpoints.Requests, r => r.Request == "PUT /latest/api/token");
        var role = Assert.Single(endpoints.Requests, r => r.Request == "GET /latest/meta-data/iam/security-credentials/" + AwsCredentialEndpoints.InstanceRole);
        Assert.Equal(AwsCredentialEndpoints.ImdsToken, role.ImdsToken);
    }

    [Fact]
    public async Task AWS_EC2_METADATA_DISABLED_keeps_the_instance_metadata_out()
    {
        Process(new() { ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoints.Url });

        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve(new() { ["AWS_EC2_METADATA_DISABLED"] = "true" }));

        Assert.Equal("KAPT2201", error.Diagnostics.Single().Code);
        Assert.Empty(endpoints.Requests);
    }

    [Fact]
    public async Task A_web_identity_token_is_exchanged_at_STS_for_the_role()
    {
        var token = Path.Combine(home.FullName, "token");
        File.WriteAllText(token, "eyJhbGciOiJSUzI1NiJ9.oidc-token.signature");
        var variables = Process(new()
        {
            ["AWS_ENDPOINT_URL_STS"] = endpoints.Url,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = token,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/kaptain-build",
        });

        var credentials = await Resolve(variables);

        Assert.Equal(AwsCredentialEndpoints.WebIdentityKey, credentials.AccessKeyId);
        Assert.Equal("web-identity-session-token", credentials.SessionToken?.Reveal());
        Assert.Contains("web identity token", credentials.Source, StringComparison.Ordinal);
        var exchange = Assert.Single(endpoints.Requests, r => r.Body.Contains("Action=AssumeRoleWithWebIdentity", StringComparison.Ordinal));
        Assert.Contains("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.oidc-token.signature", exchange.Body, StringComparison.Ordinal);
        Assert.Contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fkaptain-build", exchange.Body, StringComparison.Ordinal);
        Assert.Contains("RoleSessionName=kaptain-build", exchange.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_SSO_profile_after_aws_sso_login_gives_the_role_credentials_of_the_portal()
    {
        const string session = "kaptain";
        var aws = Directory.CreateDirectory(Path.Combine(home.FullName, ".aws"));
        File.WriteAllText(Path.Combine(aws.FullName, "credentials"), string.Empty);
        File.WriteAllText(Path.Combine(aws.FullName, "config"), $"""
            [default]
            sso_session = {session}
            sso_account_id = 123456789012
            sso_role_name = ModelBuilder
            region = us-east-1

            [sso-session {session}]
            sso_start_url = https://kaptain.awsapps.com/start
            sso_region = us-east-1
            sso_registration_scopes = sso:account:access
            """);
        // What `aws sso login` leaves: the access token, cached under the SHA-1 of the session's name.
        var cache = Directory.CreateDirectory(Path.Combine(aws.FullName, "sso", "cache"));
        var name = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(session)));
        File.WriteAllText(Path.Combine(cache.FullName, name + ".json"), $$"""
            {"startUrl": "https://kaptain.awsapps.com/start", "region": "us-east-1", "accessToken": "sso-access-token",
             "expiresAt": "{{AwsCredentialEndpoints.Expiration}}"}
            """);
        Process(new()
        {
            // The config file beside the credentials file (AWS_CONFIG_FILE is read once, when the SDK's type loads).
            ["HOME"] = home.FullName,
            ["AWS_ENDPOINT_URL_SSO"] = endpoints.Url,
        });

        var credentials = await Resolve(new() { ["AWS_EC2_METADATA_DISABLED"] = "true" });

        Assert.Equal(AwsCredentialEndpoints.SsoKey, credentials.AccessKeyId);
        Assert.Equal("sso-session-token", credentials.SessionToken?.Reveal());
        Assert.Contains("(SSO)", credentials.Source, StringComparison.Ordinal);
        var exchange = Assert.Single(endpoints.Requests, r => r.Request.StartsWith("GET /federation/credentials", StringComparison.Ordinal));
        Assert.Equal("sso-access-token", exchange.SsoToken);
        Assert.Contains("role_name=ModelBuilder", exchange.Request, StringComparison.Ordinal);
        Assert.Contains("account_id=123456789012", exchange.Request, StringComparison.Ordinal);
    }

    // Sets process variables (null removes one) for the SDK, remembering the old values; returns them for the resolver.
    private Dictionary<string, string> Process(Dictionary<string, string?> variables)
    {
        var forResolver = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
            Environment.SetEnvironmentVariable(name, value);
            if (value is not null)
            {
                forResolver[name] = value;
            }
        }

        // The build host's own keys or profile would come first; this test's sources only.
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE" })
        {
            if (!variables.ContainsKey(name))
            {
                saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        // The AWS SDK reads its configuration (the instance metadata endpoint among it) once per process and caches it:
        // a build starts with its environment, a test changes it, so the caches are read again here.
        FallbackInternalConfigurationFactory.Reset();
        typeof(InstanceProfileAWSCredentials).GetMethod("ResetServiceEndpoint", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, null);
        return forResolver;
    }

    private Task<S3Credentials> Resolve(Dictionary<string, string> variables)
    {
        variables.TryAdd("HOME", home.FullName);
        return S3CredentialResolver.ResolveAsync(new EnvironmentVariables(variables), TestContext.Current.CancellationToken);
    }
}
