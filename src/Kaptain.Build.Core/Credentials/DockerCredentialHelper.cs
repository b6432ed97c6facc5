using System.Diagnostics;
using System.Text.Json;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Credentials;

/// <summary>
/// Runs a docker credential helper (<c>docker-credential-NAME get</c>, the server on standard input, JSON on standard
/// output) as the docker CLI does, bounded by a timeout: a helper that waits for a keychain prompt nobody answers (a
/// desktop helper on a CI agent) would otherwise hang the build without a word.
/// </summary>
internal static class DockerCredentialHelper
{
    /// <summary>How long a helper may take to answer by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The credentials the helper has for <paramref name="server"/>, or null when it has none.</summary>
    /// <exception cref="KaptainException"><c>KAPT2208</c> the helper is missing, fails or answers something unreadable;
    /// <c>KAPT3011</c> it did not answer within <paramref name="timeout"/> (it is killed).</exception>
    public static async Task<RegistryCredentials?> GetAsync(
        IEnvironmentVariables environment, string helper, string server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var name = "docker-credential-" + helper;
        var executable = EnvironmentPaths.FindExecutable(environment, name)
            ?? throw Failure(helper, server, $"{name} is not on PATH");

        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("get");
        if (environment.Get("PATH") is { } path)
        {
            startInfo.Environment["PATH"] = path;
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw Failure(helper, server, $"it could not be started ({exception.NativeErrorCode})");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var error = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                await process.StandardInput.WriteAsync(server.AsMemory(), deadline.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The helper exited without reading the server (broken pipe); its exit code tells the rest.
            }

            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            var stdout = await output.ConfigureAwait(false);
            var stderr = await error.ConfigureAwait(false);

            if (process.ExitCode != 0)
            {
                // The helpers' "not found" answer (docker-credential-helpers' credentials.ErrCredentialsNotFound).
                if ((stdout + stderr).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                throw Failure(helper, server, $"exit code {process.ExitCode}");
            }

            return Parse(stdout, helper, server);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new KaptainException(KaptainDiagnostic.Error(
                "KAPT3011", server, name, ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture), server));
        }
    }

    private static RegistryCredentials Parse(string output, string helper, string server)
    {
        try
        {
            using var document = JsonDocument.Parse(output);
            var root = document.RootElement;
            var username = root.TryGetProperty("Username", out var user) ? user.GetString() : null;
            var secret = root.TryGetProperty("Secret", out var value) ? value.GetString() : null;
            if (string.IsNullOrEmpty(secret))
            {
                throw Failure(helper, server, "its answer has no Secret");
            }

            return new RegistryCredentials(username ?? string.Empty, new SecretValue(secret), $"the credential helper docker-credential-{helper}");
        }
        catch (JsonException)
        {
            // The output may hold the secret: say only that it is not JSON.
            throw Failure(helper, server, "its answer is not JSON");
        }
    }

    private static KaptainException Failure(string helper, string server, string reason) =>
        new(KaptainDiagnostic.Error("KAPT2208", server, helper, server, reason));
}
