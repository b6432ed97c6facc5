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
