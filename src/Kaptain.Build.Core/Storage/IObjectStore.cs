namespace Kaptain.Build.Storage;

/// <summary>
/// The object store operations Kaptain.Build needs (the image build context goes up, Kaniko reads it, cleanup removes
/// it). Failures are <see cref="Diagnostics.KaptainException"/>s with <c>KAPT30xx</c> codes that name the endpoint and
/// never a secret.
/// </summary>
public interface IObjectStore : IDisposable
{
    /// <summary>The endpoint, for messages.</summary>
    S3Endpoint Endpoint { get; }

    /// <summary>Creates <paramref name="bucket"/> unless it exists.</summary>
    Task EnsureBucketAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>
    /// Uploads <paramref name="content"/> (of unknown length, read to its end) as <paramref name="key"/>, in parts, so
    /// that memory holds a few parts whatever the length.
    /// </summary>
    Task PutAsync(string bucket, string key, Stream content, CancellationToken cancellationToken);

    /// <summary>
    /// Uploads what <paramref name="write"/> writes to the stream it is given, while it writes (so a compressor keeps
    /// working while a part is sent, and memory stays bounded). The token it is given is cancelled with
    /// <paramref name="cancellationToken"/> and when the upload fails; the upload's failure is then what is thrown. When
    /// <paramref name="write"/> fails, its exception is thrown and no object is left.
    /// </summary>
    Task PutAsync(string bucket, string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>Whether the object exists, asked with a HEAD request (never by listing the bucket).</summary>
    Task<bool> ExistsAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>Removes the object; an object that does not exist is not an error.</summary>
    Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>Copies the object's content to <paramref name="destination"/>.</summary>
    Task GetAsync(string bucket, string key, Stream destination, CancellationToken cancellationToken);
}
