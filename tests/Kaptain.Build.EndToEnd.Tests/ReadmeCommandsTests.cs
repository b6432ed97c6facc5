using System.Diagnostics;
using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;
using Xunit.Sdk;

namespace Kaptain.Build.EndToEnd.Tests;

/// <summary>
/// Every command the README shows works as written (issue 9, item 3): each shell block carries a marker saying how it
/// is checked, and the blocks marked <c>run</c> and <c>background</c> run in order on a fresh copy of the repository, as a
/// user runs them from its root: a second "terminal" for the local cluster, then one shell for the rest. The two
/// top-level commands (<c>./build.sh --target=Demo</c>, <c>--target=Test</c>) are what CI runs; they are marked
/// <c>not-run</c> here.
/// </summary>
public sealed class ReadmeCommandsTests
{
    /// <summary>The copy builds the tasks and the local cluster from source on a busy 2-core machine.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static IReadOnlyList<ReadmeCommandBlock> Blocks => ReadmeCommandBlock.Parse(File.ReadAllText(RepositoryPaths.Combine("README.md")));

    [Fact]
    public void Every_shell_block_of_the_README_says_how_it_is_checked()
    {
        var blocks = Blocks;

        Assert.All(blocks, block => Assert.True(block.Kind is not null, $"README line {block.Line}: a shell block without a <!-- readme-command: run | background until=\"...\" | not-run reason=\"...\" --> marker:{Environment.NewLine}{block.Text}"));
        Assert.All(blocks.Where(b => b.Kind == ReadmeCommandKind.NotRun), block => Assert.False(string.IsNullOrWhiteSpace(block.Reason), $"README line {block.Line}: a not-run block needs a reason."));
        Assert.All(blocks.Where(b => b.Kind == ReadmeCommandKind.Background), block => Assert.False(string.IsNullOrWhiteSpace(block.Until), $"README line {block.Line}: a background block needs until=\"...\"."));
        Assert.Contains(blocks, b => b.Kind == ReadmeCommandKind.Run && b.Text.Contains("-t:KaptainTrain", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Kind == ReadmeCommandKind.Background && b.Text.Contains("src/Kaptain.LocalCluster", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Kind == ReadmeCommandKind.NotRun && b.Text.Trim() == "./build.sh --target=Test");
    }

    [Fact]
    public async Task The_README_commands_run_in_order_on_a_fresh_copy_of_the_repository()
    {
        var blocks = Blocks.Where(b => b.Kind is ReadmeCommandKind.Run or ReadmeCommandKind.Background).ToList();
        Assert.NotEmpty(blocks);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Budget);
        var copy = CopyRepository();
        var background = new List<RunningDotnetCommand>();
        var transcript = new List<string>();
        try
        {
            var pending = new List<ReadmeCommandBlock>();
            foreach (var block in blocks)
            {
                if (block.Kind == ReadmeCommandKind.Background)
                {
                    await RunInOneShellAsync(copy, pending, transcript, timeout.Token);
                    pending.Clear();
                    var running = Shell(copy, block.Text).Start();
                    background.Add(running);
                    try
                    {
                        await running.WaitForLineAsync(block.Until!, timeout.Token);
                    }
                    catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
                    {
                        throw new XunitException($"README line {block.Line}: the background command did not print '{block.Until}'. Its output:{Environment.NewLine}{running.Log}");
                    }
                }
                else
                {
                    pending.Add(block);
                }
            }

            var log = await RunInOneShellAsync(copy, pending, transcript, timeout.Token);

            // What the commands promise: the namespace made, the manifests written, the steps' summaries.
            Assert.Contains("Created Namespace kaptain-dev", log, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(copy, "samples", "mnist-pytorch", "obj", "kaptain", "manifests", "train.yaml")), "KaptainRender wrote no train.yaml.");
            Assert.Contains("Summary: PyTorchJob ", log, StringComparison.Ordinal);
            Assert.Contains("Summary: Experiment ", log, StringComparison.Ordinal);
            Assert.Contains("Trials: 12 ", log, StringComparison.Ordinal);
            Assert.Contains("leftovers of model dev/mnist-pytorch", log, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var running in background)
            {
                await running.DisposeAsync();
            }

            // The README ends with build/servers.sh stop; after a failure it may not have run.
            await Shell(copy, "build/servers.sh stop").RunAsync(CancellationToken.None);
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>Runs blocks as one shell script (so exports carry over), echoing each command; throws with the output on failure.</summary>
    private static async Task<string> RunInOneShellAsync(string copy, IReadOnlyList<ReadmeCommandBlock> blocks, List<string> transcript, CancellationToken cancellationToken)
    {
        if (blocks.Count == 0)
        {
            return string.Empty;
        }

        var script = "set -euo pipefail -x\n" + string.Join('\n', blocks.Select(b => b.Text));
        var result = await Shell(copy, script).RunAsync(cancellationToken);
        transcript.Add(result.Log);
        if (result.ExitCode != 0)
        {
            throw new XunitException($"The README commands from line {blocks[0].Line} failed with exit code {result.ExitCode}:{Environment.NewLine}{script}{Environment.NewLine}Output:{Environment.NewLine}{string.Join(Environment.NewLine, transcript)}");
        }

        return result.Log;
    }

    /// <summary>bash with the environment a user's shell has (see <see cref="DotnetCommand"/>), at the copy's root.</summary>
    private static DotnetCommand Shell(string copy, string script) =>
        new DotnetCommand("-c", script) { Program = "bash", WorkingDirectory = copy }
            .WithEnvironment("KUBECONFIG", null)
            .WithEnvironment("AWS_ACCESS_KEY_ID", null)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", null)
            .WithEnvironment("KAPTAIN_SDK_FORCE_CLEANUP", null)
            .WithEnvironment("KAPTAIN_SDK_DELETE_EXPERIMENT", null);

    /// <summary>A fresh copy of the repository's files as git sees them (tracked and new, not ignored): no bin, obj, artifacts or node_modules.</summary>
    private static string CopyRepository()
    {
        var root = RepositoryPaths.Root;
        var list = new ProcessStartInfo("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var git = Process.Start(list)!;
        var files = git.StandardOutput.ReadToEnd().Split('\0', StringSplitOptions.RemoveEmptyEntries);
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        var copy = Directory.CreateTempSubdirectory("kaptain-readme-").FullName;
        foreach (var file in files)
        {
            var source = Path.Combine(root, file);
            if (!File.Exists(source))
            {
                continue; // deleted in the work tree
            }

            var target = Path.Combine(copy, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target); // keeps the mode on Unix: build.sh and servers.sh stay executable
        }

        Assert.True(File.Exists(Path.Combine(copy, "build", "servers.sh")), "The copy has no build/servers.sh.");
        return copy;
    }
}
