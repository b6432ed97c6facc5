namespace Kaptain.Build.Context;

/// <summary>What <see cref="ContextArchive.WriteAsync"/> wrote.</summary>
/// <param name="EntryCount">The number of files in the archive.</param>
/// <param name="TarBytes">The size of the uncompressed tar stream.</param>
/// <param name="CompressedBytes">The size of the gzip stream written to the destination.</param>
/// <param name="CompressedBlocks">Blocks deflated at the fast level.</param>
/// <param name="StoredBlocks">Blocks stored without compression because they looked incompressible.</param>
public sealed record ContextArchiveResult(int EntryCount, long TarBytes, long CompressedBytes, int CompressedBlocks, int StoredBlocks);
