namespace Kaptain.Testing;

/// <summary>The outcome of a <see cref="DotnetCommand"/> run.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Log">Standard output and standard error interleaved in arrival order.</param>
/// <param name="Duration">Wall time from start to exit.</param>
public sealed record DotnetCommandResult(int ExitCode, string Log, TimeSpan Duration)
{
    /// <summary>Throws with the whole log in the message unless the exit code is <paramref name="expected"/>.</summary>
    public DotnetCommandResult EnsureExitCode(int expected = 0) =>
        ExitCode == expected
            ? this
            : throw new InvalidOperationException(
                $"Expected exit code {expected} but the command exited with {ExitCode}. Its log:{Environment.NewLine}{Log}");

    /// <inheritdoc />
    public override string ToString() => $"exit code {ExitCode} after {Duration}{Environment.NewLine}{Log}";
}
