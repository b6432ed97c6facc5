using System.Diagnostics;
using Kaptain.Testing;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// <c>build/install-prerequisites.sh</c>, which <c>./build.sh</c> runs first on every machine: it asks apt only for what
/// is missing and never for Debian's npm next to a node that is there (nodesource's nodejs bundles npm and conflicts
/// with Debian's npm package, which broke both README commands on a fresh machine). The machine is simulated: a
/// throwaway root decides whether <c>/usr/bin/docker-registry</c> exists, a PATH of our own which node and npm exist.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstallPrerequisitesTests : IDisposable
{
    private static readonly string Script = RepositoryPaths.Combine("build", "install-prerequisites.sh");
    private readonly string machine = Directory.CreateTempSubdirectory("kaptain-prereq-").FullName;

    public void Dispose() => Directory.Delete(machine, recursive: true);

    [Fact]
    public async Task A_machine_with_nodesource_node_and_no_registry_gets_only_docker_registry()
    {
        var result = await Plan(registry: false, node: true, npm: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("docker-registry", result.Output.Trim());
    }

    [Fact]
    public async Task A_machine_without_boto3_gets_debians_python3_boto3()
    {
        var result = await Plan(registry: true, node: true, npm: true, boto3: false);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("python3-boto3", result.Output.Trim());
    }

    [Fact]
    public async Task A_machine_with_everything_gets_nothing()
    {
        var result = await Plan(registry: true, node: true, npm: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(string.Empty, result.Output.Trim());
    }

    [Fact]
    public async Task A_machine_without_node_gets_debians_nodejs_and_npm()
    {
        var result = await Plan(registry: true, node: false, npm: false);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("nodejs npm", result.Output.Trim());
    }

    [Fact]
    public async Task A_node_without_npm_is_never_replaced()
    {
        var result = await Plan(registry: false, node: true, npm: false);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("installed without npm", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("nodejs npm", result.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The plan for this machine (as it would be without docker-registry and boto3) is one apt accepts here: apt-get's simulation
    /// (<c>-s</c>, which changes nothing and needs no root; <c>--reinstall</c> so that it plans the package on a machine that has it meanwhile) neither fails nor removes the node that is installed. This is
    /// the check that would have caught <c>apt-get install docker-registry nodejs npm</c> on a nodesource machine.
    /// </summary>
    [Fact]
    public async Task The_plan_for_this_machine_without_docker_registry_is_accepted_by_apt()
    {
        var plan = await Run(Script, ["--plan"], new() { ["KAPTAIN_PREREQ_ROOT"] = machine });
        Assert.True(plan.ExitCode == 0, plan.Output);
        var packages = plan.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("docker-registry", packages);
        Assert.Contains("python3-boto3", packages);

        var apt = await Run("apt-get", ["-s", "-q", "install", "--reinstall", "--no-install-recommends", .. packages], []);

        Assert.True(apt.ExitCode == 0, "apt-get -s refused the plan (run `apt-get update` if it cannot locate a package):\n" + apt.Output);
        Assert.DoesNotContain("Remv nodejs", apt.Output, StringComparison.Ordinal);
        Assert.Contains("Inst docker-registry", apt.Output, StringComparison.Ordinal);
        Assert.Contains("Inst python3-boto3", apt.Output, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> Plan(bool registry, bool node, bool npm, bool boto3 = true)
    {
        if (boto3)
        {
            Directory.CreateDirectory(Path.Combine(machine, "usr", "lib", "python3", "dist-packages", "boto3"));
        }

        if (registry)
        {
            Directory.CreateDirectory(Path.Combine(machine, "usr", "bin"));
            WriteExecutable(Path.Combine(machine, "usr", "bin", "docker-registry"), "#!/bin/sh\n");
        }

        // Only the tools the script needs, plus the node and npm this machine is to have.
        var bin = Directory.CreateDirectory(Path.Combine(machine, "bin")).FullName;
        foreach (var tool in new[] { "dirname", "id" })
        {
            File.CreateSymbolicLink(Path.Combine(bin, tool), Which(tool));
        }

        if (node)
        {
            WriteExecutable(Path.Combine(bin, "node"), "#!/bin/sh\necho v20.20.2\n");
        }

        if (npm)
        {
            WriteExecutable(Path.Combine(bin, "npm"), "#!/bin/sh\necho 10.8.2\n");
        }

        return Run("/bin/bash", [Script, "--plan"], new() { ["KAPTAIN_PREREQ_ROOT"] = machine, ["PATH"] = bin });
    }

    private static void WriteExecutable(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string Which(string tool) =>
        new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).First(File.Exists);

    private static async Task<(int ExitCode, string Output)> Run(string file, string[] arguments, Dictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not end within a minute.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
