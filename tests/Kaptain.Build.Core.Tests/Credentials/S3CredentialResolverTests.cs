using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Xunit;

namespace Kaptain.Build.Core.Tests.Credentials;

public sealed class S3CredentialResolverTests : IDisposable
{
    private const string Secret = "wJalrXUtnFEMI-do-not-print";
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("kaptain-home-");

    public void Dispose() => home.Delete(recursive: true);

    [Fact]
    public async Task Environment_variables_come_first()
    {
        WriteCredentialsFile("[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = file-secret\n");
        var credentials = await Resolve(new()
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIAFROMENV",
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
            ["AWS_SESSION_TOKEN"] = "session",
        });

        Assert.Equal("AKIAFROMENV", credentials.AccessKeyId);
        Assert.Equal(Secret, credentials.SecretAccessKey.Reveal());
        Assert.Equal("session", credentials.SessionToken?.Reveal());
        Assert.DoesNotContain(Secret, credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_profile_of_the_home_credentials_file_is_read()
    {
        WriteCredentialsFile("# comment\n[other]\naws_access_key_id = OTHER\naws_secret_access_key = other\n\n[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = " + Secret + "\n");
        var credentials = await Resolve([]);
        Assert.Equal("DEFAULTKEY", credentials.AccessKeyId);
        Assert.Equal(Secret, credentials.SecretAccessKey.Reveal());
        Assert.Null(credentials.SessionToken);
    }

    [Fact]
    public async Task AWS_PROFILE_and_AWS_SHARED_CREDENTIALS_FILE_choose_profile_and_file()
    {
        var file = Path.Combine(home.FullName, "elsewhere.ini");
        File.WriteAllText(file, "[default]\naws_access_key_id = D\naws_secret_access_key = d\n[ci]\naws_access_key_id=CIKEY\naws_secret_access_key=ci-secret\naws_session_token=tok\n");
        var credentials = await Resolve(new() { ["AWS_SHARED_CREDENTIALS_FILE"] = file, ["AWS_PROFILE"] = "ci" });
        Assert.Equal("CIKEY", credentials.AccessKeyId);
        Assert.Equal("tok", credentials.SessionToken?.Reveal());
    }

    [Fact]
    public async Task Nothing_anywhere_is_KAPT2201()
    {
        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve([]));
        Assert.Equal("KAPT2201", error.Diagnostics.Single().Code);
        Assert.Contains(Path.Combine(home.FullName, ".aws", "credentials"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_that_is_not_in_the_file_is_KAPT2201()
    {
        WriteCredentialsFile("[default]\naws_access_key_id = D\naws_secret_access_key = d\n");
        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve(new() { ["AWS_PROFILE"] = "missing" }));
        Assert.Equal("KAPT2201", error.Diagnostics.Single().Code);
    }

    [Theory]
    [InlineData("AWS_ACCESS_KEY_ID")]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    public async Task Only_one_variable_is_KAPT2202(string name)
    {
        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve(new() { [name] = Secret }));
        Assert.Equal("KAPT2202", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_without_a_secret_is_KAPT2203()
    {
        WriteCredentialsFile("[default]\naws_access_key_id = " + Secret + "\n");
        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve([]));
        Assert.Equal("KAPT2203", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The AWS SDK's profile providers, not only static keys: a <c>credential_process</c> profile (what
    /// aws-vault, granted or a company's SSO helper install) gives temporary credentials with a session token.
    /// </summary>
    [Fact]
    public async Task A_credential_process_profile_gives_temporary_credentials_through_the_AWS_SDK()
    {
        var script = Path.Combine(home.FullName, "credentials.sh");
        var expiration = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(script, "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"ASIAFROMPROCESS\", \"SecretAccessKey\": \"" + Secret + "\", \"SessionToken\": \"process-session-token\", \"Expiration\": \"" + expiration + "\"}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        WriteCredentialsFile($"[default]\ncredential_process = {script}\n");

        var credentials = await Resolve([]);

        Assert.Equal("ASIAFROMPROCESS", credentials.AccessKeyId);
        Assert.Equal(Secret, credentials.SecretAccessKey.Reveal());
        Assert.Equal("process-session-token", credentials.SessionToken?.Reveal());
        Assert.Contains("credential_process", credentials.Source, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_web_identity_whose_token_file_is_missing_is_KAPT2096_naming_the_file()
    {
        var tokenFile = Path.Combine(home.FullName, "no-such-token");
        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve(new()
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/kaptain-build",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        }));

        Assert.Equal("KAPT2096", error.Diagnostics.Single().Code);
        Assert.Contains(tokenFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_explicit_profile_is_not_left_for_the_instance_metadata()
    {
        WriteCredentialsFile("[default]\naws_access_key_id = D\naws_secret_access_key = d\n");
        var error = await Assert.ThrowsAsync<KaptainException>(() => Resolve(new() { ["AWS_PROFILE"] = "ci", ["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/x", ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/nowhere" }));
        Assert.Equal("KAPT2201", error.Diagnostics.Single().Code);
        Assert.Contains("'ci'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretValue_never_prints_its_value()
    {
        var secret = new SecretValue(Secret);
        Assert.Equal("***", secret.ToString());
        Assert.DoesNotContain(Secret, $"{secret} {new S3Credentials("id", secret, secret, "here")}", StringComparison.Ordinal);
        Assert.Equal(new SecretValue(Secret), secret);
    }

    private Task<S3Credentials> Resolve(Dictionary<string, string> variables)
    {
        variables.TryAdd("HOME", home.FullName);
        return S3CredentialResolver.ResolveAsync(new EnvironmentVariables(variables), TestContext.Current.CancellationToken);
    }

    private void WriteCredentialsFile(string content)
    {
        Directory.CreateDirectory(Path.Combine(home.FullName, ".aws"));
        File.WriteAllText(Path.Combine(home.FullName, ".aws", "credentials"), content);
    }
}
