using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Credentials;

/// <summary>
/// Finds S3 credentials the way the AWS tools do: the environment variables <c>AWS_ACCESS_KEY_ID</c> and
/// <c>AWS_SECRET_ACCESS_KEY</c> (plus <c>AWS_SESSION_TOKEN</c>), else the shared credentials file
/// (<c>AWS_SHARED_CREDENTIALS_FILE</c> or <c>~/.aws/credentials</c>) with the profile <c>AWS_PROFILE</c> (or
/// <c>default</c>).
/// </summary>
public static class S3CredentialResolver
{
    /// <summary>The variable with the access key id.</summary>
    public const string AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";

    /// <summary>The variable with the secret access key.</summary>
    public const string SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";

    /// <summary>The variable with the session token of temporary credentials.</summary>
    public const string SessionTokenVariable = "AWS_SESSION_TOKEN";

    /// <summary>Resolves the credentials.</summary>
    /// <exception cref="KaptainException">
    /// <c>KAPT2201</c> none found (the message says where it looked), <c>KAPT2202</c> only one of the two variables set,
    /// <c>KAPT2203</c> the profile lacks a key, <c>KAPT2204</c> the credentials file cannot be read.
    /// </exception>
    public static async Task<S3Credentials> ResolveAsync(IEnvironmentVariables environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var accessKeyId = environment.Get(AccessKeyIdVariable);
        var secretAccessKey = environment.Get(SecretAccessKeyVariable);
        if (accessKeyId is not null && secretAccessKey is not null)
        {
            return new S3Credentials(
                accessKeyId,
                new SecretValue(secretAccessKey),
                environment.Get(SessionTokenVariable) is { } token ? new SecretValue(token) : null,
                $"the environment variables {AccessKeyIdVariable} and {SecretAccessKeyVariable}");
        }

        if (accessKeyId is not null || secretAccessKey is not null)
        {
            var (set, missing) = accessKeyId is null
                ? (SecretAccessKeyVariable, AccessKeyIdVariable)
                : (AccessKeyIdVariable, SecretAccessKeyVariable);
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2202", missing, set, missing));
        }

        var profile = environment.Get("AWS_PROFILE") ?? "default";
        var file = environment.Get("AWS_SHARED_CREDENTIALS_FILE")
            ?? (EnvironmentPaths.Home(environment) is { } home ? Path.Combine(home, ".aws", "credentials") : null);
        var fromFile = file is null ? null : await ReadProfileAsync(file, profile, cancellationToken).ConfigureAwait(false);
        if (fromFile is null)
        {
            throw new KaptainException(KaptainDiagnostic.Error(
                "KAPT2201", AccessKeyIdVariable, file ?? "~/.aws/credentials (HOME is not set)", profile));
        }

        return fromFile;
    }

    private static async Task<S3Credentials?> ReadProfileAsync(string file, string profile, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            if (!File.Exists(file))
            {
                return null;
            }

            lines = await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2204", file, file, exception.GetType().Name));
        }

        // INI: [profile] sections with key = value lines; # and ; start comments.
        Dictionary<string, string>? values = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                if (values is not null)
                {
                    break;
                }

                var name = line[1..^1].Trim();
                if (name.StartsWith("profile ", StringComparison.Ordinal))
                {
                    name = name["profile ".Length..].Trim();
                }

                values = string.Equals(name, profile, StringComparison.Ordinal) ? new(StringComparer.OrdinalIgnoreCase) : null;
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (values is not null && equals > 0)
            {
                values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        if (values is null)
        {
            return null;
        }

        foreach (var key in new[] { "aws_access_key_id", "aws_secret_access_key" })
        {
            if (!values.TryGetValue(key, out var value) || value.Length == 0)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT2203", file, file, profile, key));
            }
        }

        return new S3Credentials(
            values["aws_access_key_id"],
            new SecretValue(values["aws_secret_access_key"]),
            values.TryGetValue("aws_session_token", out var sessionToken) && sessionToken.Length > 0 ? new SecretValue(sessionToken) : null,
            $"the profile '{profile}' of the credentials file {file}");
    }
}
