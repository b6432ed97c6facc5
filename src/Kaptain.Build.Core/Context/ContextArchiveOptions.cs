namespace Kaptain.Build.Context;

/// <summary>How <see cref="ContextArchive"/> compresses. The defaults suit an image build context.</summary>
public sealed record ContextArchiveOptions
{
    /// <summary>
    /// The size of the tar blocks compressed independently, each into its own gzip member (1008 KiB: a block and its
    /// compressed form both fit the 1 MiB buffers of the shared array pool). Deflate looks back only 32 KiB, so
    /// cutting the stream into blocks of this size costs almost nothing in ratio.
    /// </summary>
    public int BlockSize { get; init; } = 1008 * 1024;

    /// <summary>How many blocks are compressed at once; the processor count when not set.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Blocks whose sampled byte entropy is at least this many bits per byte are stored, not compressed: weights,
    /// archives and images gain a few percent at full compression cost (7.5 bits/byte).
    /// </summary>
    public double StoreAboveEntropy { get; init; } = 7.5;
}
