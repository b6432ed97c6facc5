using System.Text;
using Kaptain.Build.Targets.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// Secret values given to a build (the S3 keys in the environment, registry credentials in a docker config) appear
/// nowhere a build leaves behind: the console output, a binary log, or the rendered manifests.
/// </summary>
[Collection(DotnetProcesses.Collection)]
public sealed class SecretExposureTests
{
    private const string AccessKey = "AKIAKAPTAINTESTKEY42";
    private const string SecretKey = "kaptain/Secret+Access/Key=0123456789abcdefXYZ";
    private const string RegistryPassword = "Registry-Pa55word-4-kaptain-tests";

    [Fact]
    public async Task No_secret_value_reaches_the_output_the_binary_log_or_the_manifests()
    {
        var package = await PackedPackage.GetAsync();
        var directory = package.CopySample("mnist-pytorch");
        var dockerConfig = Path.Combine(directory, "..", Path.GetFileName(directory) + "-docker");
        Directory.CreateDirectory(dockerConfig);
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("kaptain:" + RegistryPassword));
        await File.WriteAllTextAsync(
            Path.Combine(dockerConfig, "config.json"),
            $$"""{ "auths": { "localhost:5000": { "auth": "{{auth}}" } } }""",
            TestContext.Current.CancellationToken);
        var binlog = Path.Combine(directory, "render.binlog");

        var command = new DotnetCommand("build", "-t:KaptainRender", $"-bl:{binlog}") { WorkingDirectory = directory }
            .WithEnvironment("AWS_ACCESS_KEY_ID", AccessKey)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", SecretKey)
            .WithEnvironment("DOCKER_CONFIG", dockerConfig);
        foreach (var (name, value) in package.ConsumerEnvironment())
        {
            command.WithEnvironment(name, value);
        }

        var result = (await command.RunAsync(TestContext.Current.CancellationToken)).EnsureExitCode();

        var secrets = new[] { AccessKey, SecretKey, RegistryPassword, auth };
        var forms = secrets
            .SelectMany(s => new[] { s, Convert.ToBase64String(Encoding.UTF8.GetBytes(s)) })
            .SelectMany(s => new[] { Encoding.UTF8.GetBytes(s), Encoding.Unicode.GetBytes(s) })
            .ToList();

        // What is searched must be there, or an empty search would pass.
        Assert.Contains("Build succeeded", result.Log, StringComparison.Ordinal);
        var binlogParts = BinaryLogContent.Read(binlog);
        Assert.Contains(binlogParts, p => p.AsSpan().IndexOf("KaptainRender"u8) >= 0);
        Assert.True(binlogParts.Count > 1, "The binary log embeds no project files.");
        Assert.Contains(binlogParts.Skip(1), p => p.AsSpan().IndexOf("Handwritten digit classifier"u8) >= 0);
        var manifests = RenderedManifests.Steps
            .Select(s => File.ReadAllBytes(Path.Combine(directory, "obj", "kaptain", "manifests", s + ".yaml")))
            .ToList();
        Assert.Contains(manifests, m => m.AsSpan().IndexOf("kind: Secret"u8) >= 0);

        var places = new List<(string Where, byte[] Content)> { ("console output", Encoding.UTF8.GetBytes(result.Log)) };
        places.AddRange(binlogParts.Select((p, i) => ($"binary log part {i}", p)));
        places.AddRange(manifests.Select((m, i) => ($"{RenderedManifests.Steps[i]}.yaml", m)));
        var leaks = places
            .Where(place => forms.Any(form => place.Content.AsSpan().IndexOf(form) >= 0))
            .Select(place => place.Where)
            .ToList();
        Assert.Empty(leaks);
    }
}
