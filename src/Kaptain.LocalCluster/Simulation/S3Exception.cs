namespace Kaptain.LocalCluster.Simulation;

/// <summary>An S3 read that failed, with the S3 error code (<c>NoSuchKey</c>, <c>NoSuchBucket</c>, <c>AccessDenied</c>,
/// or <c>RequestError</c> when the server did not answer). Never carries a credential.</summary>
internal sealed class S3Exception(string code, string message) : Exception(message)
{
    /// <summary>The S3 error code.</summary>
    public string Code { get; } = code;
}
