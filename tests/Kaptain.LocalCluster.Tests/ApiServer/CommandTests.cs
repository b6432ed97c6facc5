using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using Kaptain.LocalCluster.Hosting;
using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>The command a user runs: writes the kubeconfig, says ready, serves kubectl, stops on SIGTERM and Ctrl+C.</summary>
public sealed class CommandTests
{
    private static async Task<(Process Process, string Kubeconfig)> StartAsync(string directory)
    {
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(LocalClusterServer).Assembly.Location, "--kubeconfig", kubeconfig, "--fault-seed", "1" }) info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        while (await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            if (line.Contains("ready", StringComparison.Ordinal)) return (process, kubeconfig);
        throw new InvalidOperationException($"the command exited ({process.ExitCode}) without saying ready");
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Starts_writes_a_kubeconfig_serves_kubectl_and_stops_cleanly_on_a_signal(string signal)
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("kaptain-localcluster-command-").FullName;
        var (process, kubeconfig) = await StartAsync(directory);
        using (process)
        {
            try
            {
                Assert.True(File.Exists(kubeconfig));
                var get = await Cli.Wrap("kubectl").WithArguments(["get", "namespaces", "-o", "name", "--cache-dir", Path.Combine(directory, "cache")])
                    .WithEnvironmentVariables(e => e.Set("KUBECONFIG", kubeconfig)).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(ct);
                Assert.True(get.ExitCode == 0, get.StandardError);
                Assert.Contains("namespace/default", get.StandardOutput);

                await Cli.Wrap("kill").WithArguments([$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExecuteAsync(ct);
                // Bounded: a process started from one that ignores SIGINT (nohup, `&` without job control) inherits
                // that, and then never sees the signal; the failure says so instead of hanging the run.
                using var exited = CancellationTokenSource.CreateLinkedTokenSource(ct);
                exited.CancelAfter(TimeSpan.FromSeconds(60));
                try
                {
                    await process.WaitForExitAsync(exited.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) ?? "SigIgn: ?";
                    Assert.Fail($"the local cluster did not stop within 60 s of SIG{signal} (this test process's {ignored.Trim()}; bit 2 set means SIGINT is ignored here and in the processes it starts: run the tests in the foreground)");
                }

                Assert.Equal(0, process.ExitCode);
            }
            finally
            {
                if (!process.HasExited) process.Kill();
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
