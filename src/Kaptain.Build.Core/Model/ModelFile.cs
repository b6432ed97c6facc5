namespace Kaptain.Build.Model;

/// <summary>A file of the model: where it goes in the build context and where it is on disk.</summary>
/// <param name="ContextPath">The path inside the build context (and the image's work directory), with '/' separators.</param>
/// <param name="FullPath">The absolute path on disk.</param>
public sealed record ModelFile(string ContextPath, string FullPath);
