using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// Secret exposure scan: known secret values go in through every credential source (AWS variables, the AWS
/// credentials file, docker config <c>auths</c>, a docker credential helper on PATH); a real
/// <c>dotnet build -bl -t:KaptainRender;KaptainBuildImage;KaptainTrain</c> runs against the cluster; the console
/// output (with any exception text), the binary log (raw and decompressed) and every file the build wrote in the
/// project folder (rendered manifests, run reports, journal) are searched for each secret in plain, base64 and
/// URL-encoded form. The Secrets in the cluster hold the values by design and are not scanned.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class SecretExposureTests(ReliabilityServers fixture) : ReliabilityTest(fixture)
{
    public static TheoryData<string> Sources => new("environment+auths", "credentials-file+credHelpers");

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task No_secret_appears_in_what_the_build_prints_or_writes(string sources)
    {
        var project = await NewProjectAsync("mnist-pytorch", "secrets");
        var secrets = new List<string>();
        // Credentials the simulated training accepts (its upload checks them, as S3 checks the signature) and whose
        // secret nothing else uses.
        var (awsKey, awsSecret) = LifecycleServers.CanaryS3;
        var dockerPassword = $"DockerPass{Guid.NewGuid():N}";
        secrets.Add(awsSecret);
        secrets.Add(dockerPassword);
        var credentials = Path.Combine(Servers.WorkDirectory, "secret-sources", project.Id);
        Directory.CreateDirectory(credentials);
        var docker = Path.Combine(credentials, "docker");
        Directory.CreateDirectory(docker);
        var binlog = Path.Combine(project.Directory, "build.binlog");

        var command = project.Build("KaptainRender;KaptainBuildImage;KaptainTrain", ("E2EWorkloadScenario", "succeed after=200ms"))
            .WithArguments($"-bl:{binlog}")
            .WithEnvironment("DOCKER_CONFIG", docker)
            .WithEnvironment("HOME", credentials);
        if (sources == "environment+auths")
        {
            command.WithEnvironment("AWS_ACCESS_KEY_ID", awsKey).WithEnvironment("AWS_SECRET_ACCESS_KEY", awsSecret);
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"kaptain:{dockerPassword}"));
            secrets.Add(auth);
            File.WriteAllText(Path.Combine(docker, "config.json"), JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [project.RegistryHost] = new { auth } } }));
        }
        else
        {
            var file = Path.Combine(credentials, "aws-credentials");
            File.WriteAllText(file, $"[default]\naws_access_key_id = {awsKey}\naws_secret_access_key = {awsSecret}\n");
            command.WithEnvironment("AWS_ACCESS_KEY_ID", null).WithEnvironment("AWS_SECRET_ACCESS_KEY", null).WithEnvironment("AWS_SHARED_CREDENTIALS_FILE", file);
            var bin = Path.Combine(credentials, "bin");
            Directory.CreateDirectory(bin);
            var helper = Path.Combine(bin, "docker-credential-kaptaintest");
            File.WriteAllText(helper, $"#!/bin/sh\ncat >/dev/null\ntouch '{helper}.called'\nprintf '%s' '{{\"ServerURL\":\"{project.RegistryHost}\",\"Username\":\"kaptain\",\"Secret\":\"{dockerPassword}\"}}'\n");
            File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            command.WithEnvironment("PATH", bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"));
            File.WriteAllText(Path.Combine(docker, "config.json"), JsonSerializer.Serialize(new { credHelpers = new Dictionary<string, string> { [project.RegistryHost] = "kaptaintest" } }));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var result = await command.RunAsync(timeout.Token);
        Assert.True(result.ExitCode == 0, result.ToString());

        if (sources != "environment+auths")
        {
            // The helper really was asked: the password went into the registry Secret.
            Assert.True(File.Exists(Path.Combine(credentials, "bin", "docker-credential-kaptaintest.called")));
        }

        var needles = secrets.SelectMany(Forms).Distinct().ToList();
        var places = new List<(string Name, byte[] Content)> { ("console output", Encoding.UTF8.GetBytes(result.Log)) };
        foreach (var file in Directory.EnumerateFiles(project.Directory, "*", SearchOption.AllDirectories))
        {
            places.Add((Path.GetRelativePath(project.Directory, file), File.ReadAllBytes(file)));
        }

        places.Add(("build.binlog (decompressed)", Decompress(binlog)));
        Assert.Contains(places, p => p.Name.StartsWith("obj/kaptain/manifests", StringComparison.Ordinal));
        Assert.Contains(places, p => p.Name.StartsWith("obj/kaptain/run-report-", StringComparison.Ordinal));
        // The scan finds what is there: the model name is in the console output and the binlog.
        Assert.Contains(places, p => p.Content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(project.ModelName)) >= 0 && p.Name.Contains("binlog", StringComparison.Ordinal));
        var matches = new List<string>();
        foreach (var (name, content) in places)
        {
            foreach (var needle in needles)
            {
                if (content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || content.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0)
                {
                    matches.Add($"{name}: {needle[..6]}...");
                }
            }
        }

        Record("Secret exposure", $"places scanned ({sources})", places.Count);
        Record("Secret exposure", $"secret forms searched ({sources})", needles.Count);
        Record("Secret exposure", $"matches ({sources})", matches.Count, "0");
        Assert.True(matches.Count == 0, string.Join(Environment.NewLine, matches));
    }

    private static IEnumerable<string> Forms(string secret)
    {
        yield return secret;
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        yield return Uri.EscapeDataString(secret);
    }

    private static byte[] Decompress(string binlog)
    {
        using var file = File.OpenRead(binlog);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
