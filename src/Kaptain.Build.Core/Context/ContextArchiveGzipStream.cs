using System.Buffers;
using System.IO.Compression;

namespace Kaptain.Build.Context;

/// <summary>
/// A write-only stream that cuts what is written into blocks, compresses the blocks in parallel, each into its own gzip
/// member, and writes the members to the destination in order. Blocks that look incompressible (high byte entropy) are
/// stored (deflate level 0). Memory is bounded: at most a few blocks per core are held at once.
/// </summary>
internal sealed class ContextArchiveGzipStream : Stream
{
    private const int EntropySampleSize = 64 * 1024;
    private readonly Stream destination;
    private readonly int blockSize;
    private readonly int maxInFlight;
    private readonly double storeAboveEntropy;
    private readonly Queue<Task<CompressedBlock>> inFlight = new();
    private byte[] block;
    private int filled;
    private bool completed;

    public ContextArchiveGzipStream(Stream destination, ContextArchiveOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockSize, 64 * 1024, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1, nameof(options));
        this.destination = destination;
        blockSize = options.BlockSize;
        storeAboveEntropy = options.StoreAboveEntropy;

        // Enough blocks queued to keep every core busy while the oldest is written out.
        maxInFlight = options.MaxDegreeOfParallelism * 2;
        block = ArrayPool<byte>.Shared.Rent(blockSize);
    }

    public long BytesIn { get; private set; }

    public long BytesOut { get; private set; }

    public int CompressedBlocks { get; private set; }

    public int StoredBlocks { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !completed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesIn;
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(completed, this);
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, blockSize - filled);
            buffer.Span[..take].CopyTo(block.AsSpan(filled));
            filled += take;
            BytesIn += take;
            buffer = buffer[take..];
            if (filled == blockSize)
            {
                await SubmitBlockAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="length"/> bytes of <paramref name="source"/> straight into the blocks: the file's bytes are
    /// read once, into the buffer they are compressed from, with no copy through an intermediate buffer.
    /// </summary>
    /// <exception cref="IOException">The source ended early (the file shrank while it was packed).</exception>
    public async Task CopyFromAsync(Stream source, long length, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(completed, this);
        while (length > 0)
        {
            var room = (int)Math.Min(blockSize - filled, length);
            var read = await source.ReadAsync(block.AsMemory(filled, room), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"The file ended {length} bytes before the size its tar header gives; was it changed while the context was packed?");
            }

            length -= read;

            filled += read;
            BytesIn += read;
            if (filled == blockSize)
            {
                await SubmitBlockAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Everything that writes here (TarWriter's async methods) writes asynchronously; a synchronous write would block a
    // thread on the compression of other blocks.
    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The context archive is written asynchronously only.");

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    /// <summary>Compresses what is left, writes every member in order and flushes the destination.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (completed)
        {
            return;
        }

        if (filled > 0)
        {
            await SubmitBlockAsync(cancellationToken).ConfigureAwait(false);
        }

        while (inFlight.Count > 0)
        {
            await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        completed = true;
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        completed = true;

        // On failure or cancellation, let running compressions end before their buffers go back to the pool.
        while (inFlight.Count > 0)
        {
            var pending = inFlight.Dequeue();
            try
            {
                var result = await pending.ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(result.Buffer);
            }
            catch (Exception)
            {
                // The failure that matters was already thrown to the writer; this only drains.
            }
        }

        if (block.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(block);
            block = [];
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task SubmitBlockAsync(CancellationToken cancellationToken)
    {
        var input = block;
        var length = filled;
        var storeAbove = storeAboveEntropy;
        inFlight.Enqueue(Task.Run(() => Compress(input, length, storeAbove), cancellationToken));
        block = ArrayPool<byte>.Shared.Rent(blockSize);
        filled = 0;
        while (inFlight.Count >= maxInFlight)
        {
            await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteOldestAsync(CancellationToken cancellationToken)
    {
        var result = await inFlight.Dequeue().ConfigureAwait(false);
        try
        {
            await destination.WriteAsync(result.Buffer.AsMemory(0, result.Length), cancellationToken).ConfigureAwait(false);
            BytesOut += result.Length;
            if (result.Stored)
            {
                StoredBlocks++;
            }
            else
            {
                CompressedBlocks++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(result.Buffer);
        }
    }

    private static CompressedBlock Compress(byte[] input, int length, double storeAboveEntropy)
    {
        try
        {
            var data = input.AsSpan(0, length);
            var store = SampledEntropy(data) >= storeAboveEntropy;

            // Deflate's worst case is about 0.03 % over the input (zlib's deflateBound); 1/128 more is ample, and keeps
            // a default block's output in the pool's 1 MiB bucket. Should it still not fit, the block is stored.
            return TryDeflate(data, store ? CompressionLevel.NoCompression : CompressionLevel.Fastest, length + (length / 128) + 1024)
                ?? TryDeflate(data, CompressionLevel.NoCompression, length + (length / 8) + 1024)
                ?? throw new InvalidOperationException("A stored deflate block did not fit its bound.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private static CompressedBlock? TryDeflate(ReadOnlySpan<byte> data, CompressionLevel level, int capacity)
    {
        var output = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            using var memory = new MemoryStream(output, 0, capacity, writable: true);
            using (var gzip = new GZipStream(memory, level, leaveOpen: true))
            {
                gzip.Write(data);
            }

            return new CompressedBlock(output, (int)memory.Position, level == CompressionLevel.NoCompression);
        }
        catch (NotSupportedException)
        {
            // The fixed-size MemoryStream is full.
            ArrayPool<byte>.Shared.Return(output);
            return null;
        }
    }

    /// <summary>Shannon entropy in bits per byte of a sample from the middle of the block (8 = random).</summary>
    private static double SampledEntropy(ReadOnlySpan<byte> data)
    {
        var sample = data.Length <= EntropySampleSize ? data : data.Slice((data.Length - EntropySampleSize) / 2, EntropySampleSize);
        Span<int> counts = stackalloc int[256];
        foreach (var value in sample)
        {
            counts[value]++;
        }

        double entropy = 0;
        foreach (var count in counts)
        {
            if (count > 0)
            {
                var p = (double)count / sample.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy;
    }

    private readonly record struct CompressedBlock(byte[] Buffer, int Length, bool Stored);
}
