using System.Security.Cryptography;
using System.Text;
using Kaptain.Build.Model;

namespace Kaptain.Build.Context;

/// <summary>Collects the files of a model's image build context and computes its checksum and image tag.</summary>
public static class BuildContextBuilder
{
    /// <summary>
    /// Builds the context of <paramref name="model"/>: the main file, the requirements file and the <c>KaptainFile</c>
    /// items (those a <c>.dockerignore</c> in the project directory excludes are left out; the main file and the
    /// requirements file are always in), and the model's own or a generated Dockerfile.
    /// </summary>
    public static async Task<BuildContext> CreateAsync(ModelDefinition model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ignore = await DockerIgnore.LoadAsync(model.ProjectDirectory, cancellationToken).ConfigureAwait(false);
        var entries = new SortedDictionary<string, BuildContextEntry>(StringComparer.Ordinal);

        void Add(ModelFile file, bool always)
        {
            if (file.ContextPath == BuildContext.DockerfileName || (!always && ignore.IsIgnored(file.ContextPath)))
            {
                return;
            }

            entries.TryAdd(file.ContextPath, new BuildContextEntry(file.ContextPath, file.FullPath));
        }

        Add(model.MainFile, always: true);
        if (model.RequirementsFile is { } requirements)
        {
            Add(requirements, always: true);
        }

        foreach (var file in model.Files)
        {
            Add(file, always: false);
        }

        var dockerfile = model.Dockerfile is { } own
            ? await File.ReadAllTextAsync(own.FullPath, cancellationToken).ConfigureAwait(false)
            : DockerfileGenerator.Generate(model);
        var list = entries.Values.ToList();
        var checksum = await ChecksumAsync(list, dockerfile, model.BaseImage, cancellationToken).ConfigureAwait(false);
        return new BuildContext
        {
            Entries = list,
            Dockerfile = dockerfile,
            IsDockerfileGenerated = model.Dockerfile is null,
            Checksum = checksum,
            Image = model.Image.Tag is null ? model.Image.WithTag(BuildContext.TagFor(checksum)) : model.Image,
        };
    }

    /// <summary>
    /// SHA-256 over, for each entry in order, its context path, its length and its bytes; then the Dockerfile and the
    /// base image. Lengths and separators keep two different contexts from hashing the same stream.
    /// </summary>
    internal static async Task<string> ChecksumAsync(
        IReadOnlyList<BuildContextEntry> entries, string dockerfile, string baseImage, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        foreach (var entry in entries)
        {
            await using var stream = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
            AppendField(hash, "file", entry.ContextPath + "\n" + stream.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        AppendField(hash, "dockerfile", dockerfile);
        AppendField(hash, "base-image", baseImage);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendField(IncrementalHash hash, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        hash.AppendData(Encoding.UTF8.GetBytes($"\0{name}\0{bytes.Length}\0"));
        hash.AppendData(bytes);
    }
}
