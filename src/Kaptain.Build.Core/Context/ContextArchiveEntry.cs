namespace Kaptain.Build.Context;

/// <summary>
/// One file of an image build context archive: where it goes in the archive and where its bytes come from (a file, or
/// content generated in memory such as a Dockerfile).
/// </summary>
public sealed class ContextArchiveEntry
{
    private ContextArchiveEntry(string relativePath, string? fullPath, ReadOnlyMemory<byte> content, bool isExecutable)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        RelativePath = NormalizeRelativePath(relativePath);
        FullPath = fullPath;
        Content = content;
        IsExecutable = isExecutable;
    }

    /// <summary>Creates an entry for the file at <paramref name="fullPath"/>, stored as <paramref name="relativePath"/>.</summary>
    /// <param name="relativePath">The path inside the archive (forward or back slashes; no leading slash, no <c>..</c>).</param>
    /// <param name="fullPath">The file to read when the archive is written.</param>
    public ContextArchiveEntry(string relativePath, string fullPath)
        : this(relativePath, fullPath, ReadOnlyMemory<byte>.Empty, isExecutable: false)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
    }

    /// <summary>Creates an entry whose bytes are <paramref name="content"/> (for example a generated Dockerfile).</summary>
    public static ContextArchiveEntry FromContent(string relativePath, ReadOnlyMemory<byte> content, bool isExecutable = false) =>
        new(relativePath, fullPath: null, content, isExecutable);

    /// <summary>The path inside the archive, with forward slashes.</summary>
    public string RelativePath { get; }

    /// <summary>The file the bytes are read from, or null for an in-memory entry.</summary>
    public string? FullPath { get; }

    /// <summary>The bytes of an in-memory entry (empty for a file entry).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Whether an in-memory entry is written with mode 0755 (file entries take it from the file).</summary>
    public bool IsExecutable { get; }

    /// <inheritdoc />
    public override string ToString() => FullPath is null ? $"{RelativePath} (generated)" : $"{RelativePath} <- {FullPath}";

    private static string NormalizeRelativePath(string path)
    {
        var normalized = path.Replace('\\', '/');
        if (normalized.StartsWith('/') || normalized.Split('/').Any(part => part is ".." or ""))
        {
            throw new ArgumentException($"'{path}' is not a relative path inside the context.", nameof(path));
        }

        return normalized;
    }
}
