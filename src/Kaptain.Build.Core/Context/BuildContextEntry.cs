namespace Kaptain.Build.Context;

/// <summary>One file of the image build context.</summary>
/// <param name="ContextPath">The path inside the context (and under the image's work directory), with '/' separators.</param>
/// <param name="FullPath">The absolute path of the file on disk.</param>
public sealed record BuildContextEntry(string ContextPath, string FullPath);
