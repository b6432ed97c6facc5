using System.Diagnostics;

namespace Kaptain.Testing;

/// <summary>
/// Runs <c>dotnet ...</c> as a child process the way a user would, with a chosen environment, and collects standard
/// output and error into one log. <see cref="StartAsync"/> gives a <see cref="RunningDotnetCommand"/> that can wait for
/// a line and be interrupted with SIGINT (what Ctrl+C does); <see cref="RunAsync"/> runs to the end.
/// </summary>
/// <remarks>
/// The child gets no MSBuild node reuse and no build servers: a leftover node would keep the output pipes open and
/// outlive the test. MSBuild variables that the test host inherits from its own <c>dotnet test</c> (for example
/// <c>MSBuildExtensionsPath</c>) are removed so the child resolves its SDK like a user's shell does.
/// </remarks>
public sealed class DotnetCommand
{
    private readonly List<string> arguments;
    private readonly Dictionary<string, string?> environment = new(StringComparer.Ordinal);

    /// <summary>Creates a command: <c>dotnet</c> followed by <paramref name="arguments"/> (each passed as is, no shell).</summary>
    public DotnetCommand(params IEnumerable<string> arguments) => this.arguments = [.. arguments];

    /// <summary>The program: <c>dotnet</c> unless set (a test that runs a shell script of a user's commands sets <c>bash</c>);
    /// it gets the same environment.</summary>
    public string Program { get; init; } = "dotnet";

    /// <summary>The working directory; the repository root when not set.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The arguments after <c>dotnet</c>.</summary>
    public IReadOnlyList<string> Arguments => arguments;

    /// <summary>Sets an environment variable for the child; null removes it from the inherited environment.</summary>
    public DotnetCommand WithEnvironment(string name, string? value)
    {
        environment[name] = value;
        return this;
    }

    /// <summary>
    /// The size of the pseudo-terminal the command runs in, as in a user's terminal window; null (the default) runs it
    /// with its output redirected, as CI does. See <see cref="InTerminal"/>.
    /// </summary>
    public (int Columns, int Rows)? Terminal { get; private set; }

    /// <summary>
    /// Runs the command in a pseudo-terminal of <paramref name="columns"/> x <paramref name="rows"/> (util-linux
    /// <c>script</c>), so that <c>dotnet</c> sees an interactive terminal as in a user's shell: MSBuild picks its logger
    /// as it does there (the terminal logger, unless a response file or switch says otherwise). The log is what the
    /// terminal received, escape sequences included, one line per line feed.
    /// </summary>
    public DotnetCommand InTerminal(int columns = 160, int rows = 50)
    {
        Terminal = (columns, rows);
        return this;
    }

    /// <summary>Removes every argument equal to one of <paramref name="removed"/>.</summary>
    public DotnetCommand WithoutArguments(params IEnumerable<string> removed)
    {
        var set = removed.ToHashSet(StringComparer.Ordinal);
        arguments.RemoveAll(set.Contains);
        return this;
    }

    /// <summary>Adds arguments.</summary>
    public DotnetCommand WithArguments(params IEnumerable<string> more)
    {
        arguments.AddRange(more);
        return this;
    }

    /// <summary>Runs the command to its end. Cancelling kills the process tree and throws.</summary>
    public async Task<DotnetCommandResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var running = Start();
        return await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the command; dispose the result to kill it if it is still running.</summary>
    public RunningDotnetCommand Start()
    {
        var startInfo = new ProcessStartInfo(Terminal is null ? Program : "script")
        {
            WorkingDirectory = WorkingDirectory ?? RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Terminal is var (columns, rows))
        {
            // script gives the command a pty and copies what it writes to our stdout; -e returns its exit code. A pty
            // without a size is not taken for a terminal by MSBuild, so the shell sets one first, as a window has.
            var line = string.Join(' ', arguments.Select(ShellQuote));
            startInfo.ArgumentList.Add("-qefc");
            startInfo.ArgumentList.Add($"stty cols {columns} rows {rows}; exec {ShellQuote(Program)} {line}");
            startInfo.ArgumentList.Add("/dev/null");
            startInfo.Environment["TERM"] = "xterm-256color";
            // A user's shell, not a CI job: MSBuild turns its terminal logger off where a CI system's variables are set
            // (CI=true in .ci/run), and NO_COLOR asks for plain output.
            foreach (var ci in new[] { "CI", "NO_COLOR", "TF_BUILD", "GITHUB_ACTIONS", "BUILD_ID", "BUILD_NUMBER", "TEAMCITY_VERSION", "JENKINS_URL", "GITLAB_CI", "TRAVIS", "CIRCLECI", "APPVEYOR", "BUILDKITE" })
            {
                startInfo.Environment.Remove(ci);
            }
        }
        else
        {
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name is "DOTNET_HOST_PATH" or "VSTEST_HOST_DEBUG")
            {
                startInfo.Environment.Remove(name);
            }
        }

        startInfo.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        startInfo.Environment["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1";
        startInfo.Environment["UseSharedCompilation"] = "false";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return RunningDotnetCommand.Start(startInfo);
    }

    private static string ShellQuote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <inheritdoc />
    public override string ToString() => $"{Program} {string.Join(' ', arguments)}";
}
