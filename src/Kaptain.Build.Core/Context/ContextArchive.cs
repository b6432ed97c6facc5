using System.Formats.Tar;

namespace Kaptain.Build.Context;

/// <summary>
/// Writes an image build context as a <c>.tar.gz</c> to a stream, as Kaniko reads it from the object store.
/// </summary>
/// <remarks>
/// <para>Deterministic: entries are written in the given order with fixed headers (modification time 0, uid/gid 0, no
/// user or group names, mode 0644 or 0755 for executables), so the same files give the same bytes.</para>
/// <para>Fast and bounded: the tar stream is cut into blocks that are compressed on every core at the fastest deflate
/// level, each into its own gzip member. Concatenated members are one valid gzip file (RFC 1952, 2.2): Kaniko unpacks
/// the context with Go's <c>gzip.NewReader</c> and <c>archive/tar</c> (GoogleContainerTools/kaniko,
/// pkg/util/fs_util.go, <c>UnpackCompressedTar</c>), and Go's reader is in multistream mode by default, reading every
/// member in turn (golang/go, src/compress/gzip/gunzip.go, <c>Reader.Multistream</c>); .NET's GZipStream does the same.
/// Blocks that look incompressible (sampled byte entropy) are stored without trying to deflate them. File bytes are
/// read once, straight into the block they are compressed from. At most a few blocks per core are in memory, whatever
/// the size of the context.</para>
/// </remarks>
public static class ContextArchive
{
    private static readonly DateTimeOffset FixedTime = DateTimeOffset.UnixEpoch;

    private const UnixFileMode RegularMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode ExecutableMode =
        RegularMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Writes <paramref name="entries"/>, in order, as a gzip-compressed tar to <paramref name="destination"/>.</summary>
    /// <param name="entries">The files; their order is the order in the archive.</param>
    /// <param name="destination">Where the compressed bytes go, written sequentially; not closed.</param>
    /// <param name="options">Block size and parallelism; the defaults when null.</param>
    /// <param name="cancellationToken">Stops reading, compressing and writing.</param>
    public static async Task<ContextArchiveResult> WriteAsync(
        IEnumerable<ContextArchiveEntry> entries,
        Stream destination,
        ContextArchiveOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(destination);
        options ??= new ContextArchiveOptions();

        var count = 0;
        await using var gzip = new ContextArchiveGzipStream(destination, options);
        var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            foreach (var entry in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await WriteEntryAsync(tar, entry, cancellationToken).ConfigureAwait(false);
                count++;
            }
        }

        if (count == 0)
        {
            // TarWriter writes the end-of-archive marker only after an entry; an empty context is still a valid tar.
            await gzip.WriteAsync(new byte[2 * 512], cancellationToken).ConfigureAwait(false);
        }

        await gzip.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new ContextArchiveResult(count, gzip.BytesIn, gzip.BytesOut, gzip.CompressedBlocks, gzip.StoredBlocks);
    }

    private static async Task WriteEntryAsync(TarWriter tar, ContextArchiveEntry entry, CancellationToken cancellationToken)
    {
        var header = new GnuTarEntry(TarEntryType.RegularFile, entry.RelativePath)
        {
            ModificationTime = FixedTime,
            AccessTime = FixedTime,
            ChangeTime = FixedTime,
            Uid = 0,
            Gid = 0,
            UserName = string.Empty,
            GroupName = string.Empty,
        };

        if (entry.FullPath is null)
        {
            header.Mode = entry.IsExecutable ? ExecutableMode : RegularMode;
            using var content = new ReadOnlyMemoryStream(entry.Content);
            header.DataStream = content;
            await tar.WriteEntryAsync(header, cancellationToken).ConfigureAwait(false);
            return;
        }

        var file = new FileStream(entry.FullPath, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0, // the tar writer copies in large chunks; a FileStream buffer would only add a copy
        });
        await using (file.ConfigureAwait(false))
        {
            header.Mode = IsExecutable(file) ? ExecutableMode : RegularMode;
            header.DataStream = new DirectCopyStream(file);
            await tar.WriteEntryAsync(header, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsExecutable(FileStream file) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.SafeFileHandle) & UnixFileMode.UserExecute) != 0;

    /// <summary>
    /// A file as a tar entry's data stream. TarWriter copies a data stream with <c>CopyToAsync(archiveStream)</c>
    /// (dotnet/runtime, System.Formats.Tar/TarHeader.Write.cs, WriteDataAsync); into the context's gzip stream the copy
    /// reads the file straight into the block being filled, instead of through an 80 KiB buffer and a second copy.
    /// </summary>
    private sealed class DirectCopyStream(FileStream file) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => file.Length;

        public override long Position
        {
            get => file.Position;
            set => file.Position = value;
        }

        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
            destination is ContextArchiveGzipStream gzip
                ? gzip.CopyFromAsync(file, file.Length - file.Position, cancellationToken)
                : file.CopyToAsync(destination, bufferSize, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            file.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A read-only seekable view of memory (TarWriter needs the length of a data stream).</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> content) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position
        {
            get => position;
            set => position = (int)Math.Clamp(value, 0, content.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var available = content.Span[position..];
            var read = Math.Min(buffer.Length, available.Length);
            available[..read].CopyTo(buffer);
            position += read;
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            _ => content.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
