using System.Text;
using System.Text.Json;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Xunit;

namespace Kaptain.Build.Core.Tests.Credentials;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DockerConfigTests : IDisposable
{
    private const string Secret = "registry-password-do-not-print";
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("kaptain-docker-");

    public void Dispose() => home.Delete(recursive: true);

    [Fact]
    public async Task Auths_entries_give_user_and_password_by_host_whatever_the_key_form()
    {
        WriteConfig(Path.Combine(home.FullName, ".docker"), new
        {
            auths = new Dictionary<string, object>
            {
                ["https://registry.example.com:5000/v2/"] = new { auth = Base64($"alice:{Secret}") },
                ["ghcr.io"] = new { username = "bob", password = "pat" },
                [DockerConfig.DockerHubKey] = new { auth = Base64("carol:hub") },
                ["empty.example.com"] = new { },
            },
        });
        var config = await Load([]);

        var example = await config.GetCredentialsAsync("registry.example.com:5000", Token);
        Assert.Equal(("alice", Secret), (example?.Username, example?.Password.Reveal()));
        Assert.Equal("bob", (await config.GetCredentialsAsync("GHCR.io", Token))?.Username);
        Assert.Equal("carol", (await config.GetCredentialsAsync("docker.io", Token))?.Username);
        Assert.Null(await config.GetCredentialsAsync("empty.example.com", Token));
        Assert.Null(await config.GetCredentialsAsync("unknown.example.com", Token));
        Assert.DoesNotContain(Secret, example!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DOCKER_CONFIG_wins_over_home_and_the_explicit_path_over_both()
    {
        WriteConfig(Path.Combine(home.FullName, ".docker"), new { auths = new Dictionary<string, object> { ["r.io"] = new { auth = Base64("home:h") } } });
        var dockerConfig = Path.Combine(home.FullName, "dc");
        WriteConfig(dockerConfig, new { auths = new Dictionary<string, object> { ["r.io"] = new { auth = Base64("env:e") } } });
        var explicitFile = WriteConfig(Path.Combine(home.FullName, "model"), new { auths = new Dictionary<string, object> { ["r.io"] = new { auth = Base64("model:m") } } });

        Assert.Equal("home", (await (await Load([])).GetCredentialsAsync("r.io", Token))?.Username);
        Assert.Equal("env", (await (await Load(new() { ["DOCKER_CONFIG"] = dockerConfig })).GetCredentialsAsync("r.io", Token))?.Username);
        Assert.Equal("model", (await (await Load(new() { ["DOCKER_CONFIG"] = dockerConfig }, explicitFile)).GetCredentialsAsync("r.io", Token))?.Username);
        Assert.Equal("model", (await (await Load([], Path.GetDirectoryName(explicitFile))).GetCredentialsAsync("r.io", Token))?.Username);
    }

    [Fact]
    public async Task No_config_at_all_means_anonymous()
    {
        var config = await Load([]);
        Assert.Null(config.Path);
        Assert.Null(await config.GetCredentialsAsync("registry.example.com", Token));
    }

    [Fact]
    public async Task A_missing_explicit_config_is_KAPT2206()
    {
        var error = await Assert.ThrowsAsync<KaptainException>(() => Load([], Path.Combine(home.FullName, "nope.json")));
        Assert.Equal("KAPT2206", error.Diagnostics.Single().Code);
    }

    [Fact]
    public async Task Invalid_json_is_KAPT2205_without_the_file_content()
    {
        Directory.CreateDirectory(Path.Combine(home.FullName, ".docker"));
        File.WriteAllText(Path.Combine(home.FullName, ".docker", "config.json"), "{\"auths\": {\"r.io\": {\"auth\": \"" + Secret + "\"}");
        var error = await Assert.ThrowsAsync<KaptainException>(() => Load([]));
        Assert.Equal("KAPT2205", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_auth_is_KAPT2207()
    {
        WriteConfig(Path.Combine(home.FullName, ".docker"), new { auths = new Dictionary<string, object> { ["r.io"] = new { auth = Base64(Secret) } } });
        var config = await Load([]);
        var error = await Assert.ThrowsAsync<KaptainException>(() => config.GetCredentialsAsync("r.io", Token));
        Assert.Equal("KAPT2207", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredHelpers_run_the_helper_with_the_server_on_stdin()
    {
        var bin = WriteHelper("fake", """
            #!/bin/sh
            read server
            if [ "$1" != get ]; then exit 3; fi
            if [ "$server" = "helped.example.com" ]; then
              printf '{"ServerURL":"%s","Username":"helper-user","Secret":"%s"}' "$server" "registry-password-do-not-print"
            else
              echo "credentials not found in native keychain"; exit 1
            fi
            """);
        WriteConfig(Path.Combine(home.FullName, ".docker"), new
        {
            credHelpers = new Dictionary<string, string> { ["helped.example.com"] = "fake", ["other.example.com"] = "fake" },
            auths = new Dictionary<string, object> { ["other.example.com"] = new { auth = Base64("fallback:x") } },
        });
        var config = await Load(new() { ["PATH"] = bin });

        var helped = await config.GetCredentialsAsync("helped.example.com", Token);
        Assert.Equal(("helper-user", Secret), (helped?.Username, helped?.Password.Reveal()));
        Assert.Null(await config.GetCredentialsAsync("other.example.com", Token));
    }

    [Fact]
    public async Task CredsStore_is_asked_first_and_auths_is_the_fallback()
    {
        var bin = WriteHelper("store", """
            #!/bin/sh
            read server
            if [ "$server" = "stored.example.com" ]; then echo '{"Username":"stored","Secret":"s"}'; else echo "credentials not found"; exit 1; fi
            """);
        WriteConfig(Path.Combine(home.FullName, ".docker"), new
        {
            credsStore = "store",
            auths = new Dictionary<string, object> { ["stored.example.com"] = new { }, ["plain.example.com"] = new { auth = Base64("plain:p") } },
        });
        var config = await Load(new() { ["PATH"] = bin });

        Assert.Equal("stored", (await config.GetCredentialsAsync("stored.example.com", Token))?.Username);
        Assert.Equal("plain", (await config.GetCredentialsAsync("plain.example.com", Token))?.Username);
    }

    [Theory]
    [InlineData("#!/bin/sh\necho broken >&2\nexit 7\n")]
    [InlineData("#!/bin/sh\necho 'not json registry-password-do-not-print'\n")]
    public async Task A_failing_helper_is_KAPT2208_without_its_output(string script)
    {
        var bin = WriteHelper("bad", script);
        WriteConfig(Path.Combine(home.FullName, ".docker"), new { credHelpers = new Dictionary<string, string> { ["r.io"] = "bad" } });
        var config = await Load(new() { ["PATH"] = bin });
        var error = await Assert.ThrowsAsync<KaptainException>(() => config.GetCredentialsAsync("r.io", Token));
        Assert.Equal("KAPT2208", error.Diagnostics.Single().Code);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_helper_that_does_not_answer_is_killed_and_is_KAPT3011()
    {
        var pidFile = Path.Combine(home.FullName, "helper.pid");
        var bin = WriteHelper("hang", $"#!/bin/sh\necho $$ > '{pidFile}'\nexec sleep 600\n");
        WriteConfig(Path.Combine(home.FullName, ".docker"), new { credHelpers = new Dictionary<string, string> { ["r.io"] = "hang" } });
        var config = await Load(new() { ["PATH"] = bin });
        config.CredentialHelperTimeout = TimeSpan.FromSeconds(1);

        var error = await Assert.ThrowsAsync<KaptainException>(() => config.GetCredentialsAsync("r.io", Token));

        Assert.Equal("KAPT3011", error.Diagnostics.Single().Code);
        Assert.Contains("docker-credential-hang", error.Diagnostics.Single().Message, StringComparison.Ordinal);
        // The helper does not outlive the lookup.
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var exited = CancellationTokenSource.CreateLinkedTokenSource(Token);
        exited.CancelAfter(TimeSpan.FromSeconds(30));
        while (Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal))
        {
            await Task.Delay(50, exited.Token);
        }
    }

    [Fact]
    public async Task A_helper_that_is_not_on_PATH_is_KAPT2208()
    {
        WriteConfig(Path.Combine(home.FullName, ".docker"), new { credHelpers = new Dictionary<string, string> { ["r.io"] = "absent" } });
        var config = await Load(new() { ["PATH"] = home.FullName });
        var error = await Assert.ThrowsAsync<KaptainException>(() => config.GetCredentialsAsync("r.io", Token));
        Assert.Equal("KAPT2208", error.Diagnostics.Single().Code);
    }

    [Fact]
    public void ToDockerConfigJson_is_a_config_with_an_auths_entry_for_the_registry()
    {
        var json = new RegistryCredentials("alice", new SecretValue(Secret), "test").ToDockerConfigJson("registry.example.com:5000");
        Assert.Equal("***", json.ToString());
        using var document = JsonDocument.Parse(json.Reveal());
        var entry = document.RootElement.GetProperty("auths").GetProperty("registry.example.com:5000");
        Assert.Equal($"alice:{Secret}", Encoding.UTF8.GetString(Convert.FromBase64String(entry.GetProperty("auth").GetString()!)));
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    private Task<DockerConfig> Load(Dictionary<string, string> variables, string? explicitPath = null)
    {
        variables.TryAdd("HOME", home.FullName);
        return DockerConfig.LoadAsync(new EnvironmentVariables(variables), explicitPath, Token);
    }

    private static string WriteConfig(string folder, object content)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "config.json");
        File.WriteAllText(path, JsonSerializer.Serialize(content));
        return path;
    }

    private string WriteHelper(string name, string script)
    {
        var bin = Path.Combine(home.FullName, "bin");
        Directory.CreateDirectory(bin);
        var path = Path.Combine(bin, "docker-credential-" + name);
        File.WriteAllText(path, script.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin + ":/usr/bin:/bin";
    }
}
