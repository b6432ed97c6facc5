namespace Kaptain.Build.Credentials;

/// <summary>Credentials for the S3 object store (and for Kaniko and KServe, which read the same variable names).</summary>
/// <param name="AccessKeyId">The access key id (an identifier, not a secret, but still never logged by us).</param>
/// <param name="SecretAccessKey">The secret access key.</param>
/// <param name="SessionToken">The session token of temporary credentials, or null.</param>
/// <param name="Source">Where they came from, for messages: for example <c>environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY</c>.</param>
public sealed record S3Credentials(string AccessKeyId, SecretValue SecretAccessKey, SecretValue? SessionToken, string Source)
{
    /// <inheritdoc />
    public override string ToString() => $"S3 credentials from {Source}";
}
