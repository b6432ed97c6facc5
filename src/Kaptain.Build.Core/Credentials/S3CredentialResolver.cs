using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Credentials;

/// <summary>
/// Finds S3 credentials the way the AWS SDKs and the AWS CLI do, through the AWS SDK for .NET's providers: the
/// environment variables <c>AWS_ACCESS_KEY_ID</c> and <c>AWS_SECRET_ACCESS_KEY</c> (plus <c>AWS_SESSION_TOKEN</c>);
/// else the profile <c>AWS_PROFILE</c> (or <c>default</c>) of the shared files (<c>AWS_SHARED_CREDENTIALS_FILE</c> or
/// <c>~/.aws/credentials</c>, and <c>~/.aws/config</c>): static keys, <c>role_arn</c> with a source profile,
/// <c>credential_process</c>, SSO (after <c>aws sso login</c>), <c>web_identity_token_file</c>; else web identity
/// from <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> and <c>AWS_ROLE_ARN</c> (EKS IRSA, GitHub OIDC); else the container
/// credentials endpoint (<c>AWS_CONTAINER_CREDENTIALS_RELATIVE_URI</c> / <c>_FULL_URI</c>: ECS, EKS Pod Identity);
/// else EC2 instance metadata (unless <c>AWS_EC2_METADATA_DISABLED=true</c>).
/// </summary>
/// <remarks>
/// The variables are read from <see cref="IEnvironmentVariables"/> (so a build and its tests decide them), except
/// where the SDK reads the process environment itself: the container endpoint's token, the config file's location
/// (<c>AWS_CONFIG_FILE</c>). Credentials other than static keys are temporary: they carry a session token and expire,
/// which matters because they are copied into the cluster's Secrets (see <c>KAPT5055</c>).
/// </remarks>
public static class S3CredentialResolver
{
    /// <summary>The variable with the access key id.</summary>
    public const string AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";

    /// <summary>The variable with the secret access key.</summary>
    public const string SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";

    /// <summary>The variable with the session token of temporary credentials.</summary>
    public const string SessionTokenVariable = "AWS_SESSION_TOKEN";

    /// <summary>How long instance metadata may take to answer before it counts as absent (it is the last place looked).</summary>
    private static readonly TimeSpan InstanceMetadataTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Resolves the credentials.</summary>
    /// <exception cref="KaptainException">
    /// <c>KAPT2201</c> none found (the message says where it looked), <c>KAPT2202</c> only one of the two variables set,
    /// <c>KAPT2203</c> the profile lacks a key, <c>KAPT2204</c> the credentials file cannot be read, <c>KAPT2096</c>
    /// a source was found but gave no credentials (an expired SSO login, a rejected web identity token).
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
                environment.Get(SessionTokenVariable) is { Length: > 0 } token ? new SecretValue(token) : null,
                $"the environment variables {AccessKeyIdVariable} and {SecretAccessKeyVariable}");
        }

        if (accessKeyId is not null || secretAccessKey is not null)
        {
            var (set, missing) = accessKeyId is null
                ? (SecretAccessKeyVariable, AccessKeyIdVariable)
                : (AccessKeyIdVariable, SecretAccessKeyVariable);
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2202", missing, set, missing));
        }

        var explicitProfile = environment.Get("AWS_PROFILE");
        var profile = explicitProfile ?? "default";
        var file = environment.Get("AWS_SHARED_CREDENTIALS_FILE")
            ?? (EnvironmentPaths.Home(environment) is { } home ? Path.Combine(home, ".aws", "credentials") : null);
        if (file is not null && await FromProfileAsync(file, profile, cancellationToken).ConfigureAwait(false) is { } fromProfile)
        {
            return fromProfile;
        }

        if (explicitProfile is null)
        {
            if (environment.Get("AWS_WEB_IDENTITY_TOKEN_FILE") is { Length: > 0 } tokenFile && environment.Get("AWS_ROLE_ARN") is { Length: > 0 } roleArn)
            {
                var sessionName = environment.Get("AWS_ROLE_SESSION_NAME") is { Length: > 0 } name ? name : "kaptain-build";
                var source = $"the web identity token {tokenFile} for the role {roleArn} (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)";
                return await FromSdkAsync(() => new AssumeRoleWithWebIdentityCredentials(tokenFile, roleArn, sessionName), "AWS_WEB_IDENTITY_TOKEN_FILE", source, cancellationToken).ConfigureAwait(false);
            }

            if (environment.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is { Length: > 0 } || environment.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI") is { Length: > 0 })
            {
                return await FromSdkAsync(() => new GenericContainerCredentials(), "AWS_CONTAINER_CREDENTIALS_FULL_URI", "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)", cancellationToken).ConfigureAwait(false);
            }

            if (!string.Equals(environment.Get("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase)
                && await FromInstanceMetadataAsync(cancellationToken).ConfigureAwait(false) is { } fromInstance)
            {
                return fromInstance;
            }
        }

        throw new KaptainException(KaptainDiagnostic.Error(
            "KAPT2201", AccessKeyIdVariable, file ?? "~/.aws/credentials (HOME is not set)", profile));
    }

    private static async Task<S3Credentials?> FromProfileAsync(string file, string profile, CancellationToken cancellationToken)
    {
        CredentialProfile? found;
        try
        {
            // The chain reads the credentials file and the config file beside it (or AWS_CONFIG_FILE), as the CLI does.
            if (!new CredentialProfileStoreChain(file).TryGetProfile(profile, out found))
            {
                return null;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2204", file, file, exception.GetType().Name), exception);
        }

        var options = found.Options;
        if (!found.CanCreateAWSCredentials)
        {
            if (options.AccessKey is { Length: > 0 } || options.SecretKey is { Length: > 0 })
            {
                var missing = options.AccessKey is { Length: > 0 } ? "aws_secret_access_key" : "aws_access_key_id";
                throw new KaptainException(KaptainDiagnostic.Error("KAPT2203", file, file, profile, missing));
            }

            return null;
        }

        var kind = options switch
        {
            { SsoStartUrl.Length: > 0 } or { SsoSession.Length: > 0 } => "SSO",
            { WebIdentityTokenFile.Length: > 0 } => "web identity",
            { RoleArn.Length: > 0 } => "assumed role",
            { CredentialProcess.Length: > 0 } => "credential_process",
            _ => null,
        };
        var source = $"the profile '{profile}' of the credentials file {file}" + (kind is null ? string.Empty : $" ({kind})");
        return await FromSdkAsync(() => found.GetAWSCredentials(null), profile, source, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<S3Credentials?> FromInstanceMetadataAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The constructor asks IMDS for the role; off the caller's thread and bounded, since off EC2 nobody answers.
            var credentials = await Task.Run(
                async () => await new InstanceProfileAWSCredentials().GetCredentialsAsync().ConfigureAwait(false),
                CancellationToken.None).WaitAsync(InstanceMetadataTimeout, cancellationToken).ConfigureAwait(false);
            return Convert(credentials, "EC2 instance metadata (the instance profile's role)");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<S3Credentials> FromSdkAsync(Func<AWSCredentials> create, string subject, string source, CancellationToken cancellationToken)
    {
        try
        {
            var credentials = await create().GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return Convert(credentials, source);
        }
        catch (Exception exception) when (exception is AmazonClientException or AmazonServiceException or InvalidOperationException or ArgumentException or IOException)
        {
            // The SDK's message says what failed ("the SSO session has expired", "the token file does not exist"); it
            // never holds a secret, but it goes through the scrubber like every text from elsewhere.
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2096", subject, source, KnownSecrets.Scrub(exception.Message)), exception);
        }
    }

    private static S3Credentials Convert(ImmutableCredentials credentials, string source) => new(
        credentials.AccessKey,
        new SecretValue(credentials.SecretKey),
        credentials.UseToken ? new SecretValue(credentials.Token) : null,
        source);
}
