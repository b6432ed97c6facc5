using System.IO.Pipelines;

namespace Kaptain.Build.Storage;

/// <summary>Uploads that are produced while they are sent.</summary>
public static class ObjectStoreExtensions
{
    /// <summary>
    /// Uploads what <paramref name="write"/> writes, while it writes: the writer and the upload run at the same time
    /// through a pipe that holds at most <paramref name="bufferBytes"/> (so a compressor keeps working while a part
    /// is sent, and memory stays bounded). A failure on either side cancels the other.
    /// </summary>
    public static async Task PutAsync(
        this IObjectStore store,
        string bucket,
        string key,
        Func<Stream, CancellationToken, Task> write,
        CancellationToken cancellationToken,
        long bufferBytes = 16 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(write);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? firstFailure = null;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: bufferBytes, resumeWriterThreshold: bufferBytes / 2, useSynchronizationContext: false));

        var producer = Task.Run(
            async () =>
            {
                try
                {
                    await using (var stream = pipe.Writer.AsStream(leaveOpen: true))
                    {
                        await write(stream, failed.Token).ConfigureAwait(false);
                    }

                    await pipe.Writer.CompleteAsync().ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref firstFailure, exception, null);
                    await pipe.Writer.CompleteAsync(exception).ConfigureAwait(false);
                    await failed.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            },
            CancellationToken.None);

        try
        {
            await using var reader = pipe.Reader.AsStream(leaveOpen: true);
            await store.PutAsync(bucket, key, reader, failed.Token).ConfigureAwait(false);
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.CompareExchange(ref firstFailure, exception, null);
            await pipe.Reader.CompleteAsync(exception).ConfigureAwait(false);
            await failed.CancelAsync().ConfigureAwait(false);
            await producer.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);

            // Whichever side failed first is the cause; the other side only saw the pipe break or the cancellation.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstFailure!);
            throw;
        }

        await producer.ConfigureAwait(false);
    }
}
